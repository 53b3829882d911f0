// Pipeline board: dropping a card on another column follows the card's move link, which opens
// the stage task's form (or says why the move is not possible). No drop ever changes a stage.
document.addEventListener("DOMContentLoaded", () => {
  const board = document.getElementById("pipeline-board");
  if (!board) return;
  let dragged = null;
  board.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("[data-card]");
    if (dragged && event.dataTransfer) {
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.card);
    }
  });
  board.querySelectorAll("[data-stage]").forEach((column) => {
    column.addEventListener("dragover", (event) => {
      if (!dragged) return;
      event.preventDefault();
      column.classList.add("drop-target");
    });
    column.addEventListener("dragleave", () => column.classList.remove("drop-target"));
    column.addEventListener("drop", (event) => {
      event.preventDefault();
      column.classList.remove("drop-target");
      if (!dragged || dragged.closest("[data-stage]") === column) return;
      const url = new URL(dragged.dataset.moveUrl, window.location.href);
      url.searchParams.set("to", column.dataset.stage);
      window.location.assign(url.toString());
    });
  });
});
