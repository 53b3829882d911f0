// Project board: dropping a card on another column posts the move (htmx) and swaps the board;
// the server refuses a start before the task's predecessors are done and says why above the board.
document.addEventListener("DOMContentLoaded", () => {
  // A timeline wider than the screen opens at today (the task names stay in their own column).
  const scroller = document.querySelector(".timeline-scroll");
  const today = document.querySelector("#project-timeline .today");
  if (scroller && today && scroller.scrollWidth > scroller.clientWidth) {
    scroller.scrollLeft = Math.max(0, Number(today.getAttribute("x1")) - 60);
  }
  let dragged = null;
  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest && event.target.closest("#project-board [data-move-url]");
    dragged = card || null;
    if (dragged && event.dataTransfer) {
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.card);
    }
  });
  document.addEventListener("dragover", (event) => {
    const column = dragged && event.target.closest && event.target.closest("#project-board [data-status]");
    if (!column) return;
    event.preventDefault();
    column.classList.add("drop-target");
  });
  document.addEventListener("dragleave", (event) => {
    const column = event.target.closest && event.target.closest("#project-board [data-status]");
    if (column) column.classList.remove("drop-target");
  });
  document.addEventListener("drop", (event) => {
    const column = dragged && event.target.closest && event.target.closest("#project-board [data-status]");
    if (!column) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    const card = dragged;
    dragged = null;
    if (card.closest("[data-status]") === column || !window.htmx) return;
    // the card as the source: htmx takes the CSRF header from <body hx-headers> above it
    window.htmx.ajax("POST", card.dataset.moveUrl, {
      source: card,
      target: "#project-board-wrap",
      swap: "outerHTML",
      values: { status: column.dataset.status },
    });
  });
});
