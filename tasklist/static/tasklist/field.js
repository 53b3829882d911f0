// Field service: drop a waiting request on a technician's day (the dispatch board fills the
// card's own form and submits it, so the dispatch task decides), add part lines, and the
// customer's signature drawn on a canvas (sent as a PNG data URL with the work record).
document.addEventListener("DOMContentLoaded", () => {
  const board = document.getElementById("dispatch-board");
  if (board) {
    let dragged = null;
    board.addEventListener("dragstart", (event) => {
      dragged = event.target.closest("[data-request]");
      if (dragged && event.dataTransfer) {
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", dragged.dataset.request);
      }
    });
    board.querySelectorAll("[data-technician][data-day]").forEach((cell) => {
      cell.addEventListener("dragover", (event) => {
        if (!dragged) return;
        event.preventDefault();
        cell.classList.add("drop-target");
      });
      cell.addEventListener("dragleave", () => cell.classList.remove("drop-target"));
      cell.addEventListener("drop", (event) => {
        event.preventDefault();
        cell.classList.remove("drop-target");
        const form = dragged && dragged.querySelector("[data-assign-form]");
        if (!form) return;
        form.querySelector("[data-role=technician]").value = cell.dataset.technician;
        form.querySelector("[data-role=day]").value = cell.dataset.day;
        form.requestSubmit ? form.requestSubmit() : form.submit();
      });
    });
  }

  const addPart = document.querySelector("[data-add-part]");
  if (addPart) {
    addPart.addEventListener("click", () => {
      const lines = document.getElementById("part-lines");
      const last = lines.querySelector("[data-part-line]:last-of-type");
      const copy = last.cloneNode(true);
      const index = lines.querySelectorAll("[data-part-line]").length;
      copy.querySelectorAll("select, input").forEach((input) => {
        input.value = "";
        input.removeAttribute("aria-invalid");
        input.id = input.id.replace(/-\d+$/, "-" + index);
      });
      copy.querySelectorAll("label").forEach((label) => {
        label.htmlFor = label.htmlFor.replace(/-\d+$/, "-" + index);
      });
      copy.querySelectorAll(".field-errors").forEach((error) => error.remove());
      copy.querySelectorAll(".has-error").forEach((box) => box.classList.remove("has-error"));
      lines.appendChild(copy);
    });
  }

  const pad = document.getElementById("signature-pad");
  if (pad) {
    const context = pad.getContext("2d");
    const field = document.getElementById("id_signature");
    let drawing = false;
    let signed = false;
    context.lineWidth = 2.5;
    context.lineCap = "round";
    context.strokeStyle = "#111";
    const point = (event) => {
      const box = pad.getBoundingClientRect();
      return [((event.clientX - box.left) * pad.width) / box.width, ((event.clientY - box.top) * pad.height) / box.height];
    };
    pad.addEventListener("pointerdown", (event) => {
      drawing = true;
      pad.setPointerCapture(event.pointerId);
      const [x, y] = point(event);
      context.beginPath();
      context.moveTo(x, y);
    });
    pad.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      const [x, y] = point(event);
      context.lineTo(x, y);
      context.stroke();
      signed = true;
    });
    const stop = () => {
      drawing = false;
      if (signed) field.value = pad.toDataURL("image/png");
    };
    pad.addEventListener("pointerup", stop);
    pad.addEventListener("pointercancel", stop);
    document.querySelector("[data-clear-signature]").addEventListener("click", () => {
      context.clearRect(0, 0, pad.width, pad.height);
      signed = false;
      field.value = "";
    });
  }
});
