// Show htmx's loading bar for every request, and re-enable Bootstrap tooltips on swapped content.
document.body.setAttribute("hx-indicator", "#htmx-indicator");
function kamInitTooltips(root) {
  root.querySelectorAll('[data-bs-toggle="tooltip"]').forEach((el) => bootstrap.Tooltip.getOrCreateInstance(el));
}
document.addEventListener("DOMContentLoaded", () => kamInitTooltips(document));
document.body.addEventListener("htmx:afterSwap", (event) => kamInitTooltips(event.target));

// A signed-out session answers an htmx request with the sign-in page: show it as a page, not inside a panel.
document.body.addEventListener("htmx:beforeSwap", (event) => {
  const url = event.detail.xhr.responseURL || "";
  if (new URL(url, window.location.href).pathname.startsWith("/accounts/login/")) {
    event.detail.shouldSwap = false;
    window.location.assign(url);
  }
});

// htmx leaves the page as it was when a request fails; say so where messages appear.
function kamShowError(text) {
  const box = document.getElementById("messages");
  if (!box) return;
  const alert = document.createElement("div");
  alert.className = "alert alert-danger alert-dismissible fade show py-2";
  alert.setAttribute("role", "alert");
  alert.textContent = text;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn-close py-2";
  close.setAttribute("data-bs-dismiss", "alert");
  close.setAttribute("aria-label", "Close");
  alert.appendChild(close);
  box.appendChild(alert);
}
document.body.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  kamShowError(
    status === 404
      ? "That is no longer there (it may have been removed or reassigned). Reload the page to see the current state."
      : "Something went wrong; nothing was changed. Reload the page and try again.",
  );
});
document.body.addEventListener("htmx:sendError", () => kamShowError("No connection; nothing was sent. Try again."));
