// Show htmx's loading bar for every request, and re-enable Bootstrap tooltips on swapped content.
document.body.setAttribute("hx-indicator", "#htmx-indicator");
function kamInitTooltips(root) {
  root.querySelectorAll('[data-bs-toggle="tooltip"]').forEach((el) => bootstrap.Tooltip.getOrCreateInstance(el));
}
document.addEventListener("DOMContentLoaded", () => kamInitTooltips(document));
document.body.addEventListener("htmx:afterSwap", (event) => kamInitTooltips(event.target));
