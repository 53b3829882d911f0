// Department tree: dragging a department onto another (or onto "Top level") submits that row's
// own "Move under" form with the drop target as the new parent, so the server answers exactly as
// for the no-script form (a loop comes back as a located error on the edit page).
document.addEventListener("DOMContentLoaded", () => {
  const tree = document.querySelector("[data-dept-tree]");
  if (!tree) return;
  let dragged = null;
  tree.addEventListener("dragstart", (event) => {
    dragged = event.target.closest("[data-dept]");
    if (dragged && event.dataTransfer) {
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.dept);
    }
  });
  tree.addEventListener("dragend", () => {
    dragged = null;
  });
  tree.querySelectorAll("[data-dept-drop]").forEach((node) => {
    node.addEventListener("dragover", (event) => {
      if (!dragged || node === dragged) return;
      event.preventDefault();
      node.classList.add("drop-target");
    });
    node.addEventListener("dragleave", () => node.classList.remove("drop-target"));
    node.addEventListener("drop", (event) => {
      event.preventDefault();
      node.classList.remove("drop-target");
      if (!dragged || node === dragged) return;
      const form = dragged.querySelector(".dept-move form");
      form.querySelector("select[name=parent]").value = node.dataset.deptDrop;
      form.submit();
    });
  });
});
