// Line editors (quotation, order): "Add a line" copies the last row, emptied.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-add-line]");
  if (!button) return;
  const body = button.closest("form").querySelector("[data-lines] tbody");
  const last = body.querySelector("tr[data-line]:last-child");
  const row = last.cloneNode(true);
  row.classList.remove("has-error");
  row.querySelectorAll(".field-errors").forEach((node) => node.remove());
  row.querySelectorAll("input").forEach((input) => { input.value = ""; input.removeAttribute("aria-invalid"); });
  row.querySelectorAll("select").forEach((select) => { select.selectedIndex = 0; select.removeAttribute("aria-invalid"); });
  body.appendChild(row);
  row.querySelector("select").focus();
});
