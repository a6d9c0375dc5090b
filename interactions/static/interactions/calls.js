// "Cancel" on a form opened inside the page (a Today row, the lead's activity panel) closes it in place;
// on a form that is the whole page it stays a plain link back.
if (!window.kamCallsReady) {
  window.kamCallsReady = true;
  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-dismiss-form]");
    const slot = link && link.closest("[data-form-slot]");
    if (!slot) return;
    event.preventDefault();
    const opener = slot.parentElement && slot.parentElement.querySelector("[data-opens-form]");
    slot.replaceChildren();
    if (opener) opener.focus();
  });
  // "Show more" on Today continues after the rows the list holds now: a logged call may have removed some since
  // the page was drawn, and a fixed offset would then skip as many.
  document.addEventListener("htmx:configRequest", (event) => {
    const more = event.detail.elt.closest && event.detail.elt.closest("[data-today-more]");
    const list = more && more.closest(".today-list");
    if (list) event.detail.parameters.offset = list.querySelectorAll(":scope > [id^='today-row-']").length;
  });
}
