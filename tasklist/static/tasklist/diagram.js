/* Process diagrams: the bpmn-js viewer (vendored) with state markers, count overlays (where
   instances wait) and findings that highlight their element when clicked. */
(function () {
  "use strict";
  function json(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  /* Zoom (buttons, Ctrl + wheel, two-finger pinch), pan (drag, wheel) and fit: the plain viewer
     has none of them, and a wide process is unreadable without. */
  var STEP = 1.25, MIN = 0.2, MAX = 4;
  function navigation(container, canvas) {
    function zoomBy(factor, point) {
      var level = Math.min(MAX, Math.max(MIN, canvas.zoom() * factor));
      canvas.zoom(level, point || "auto");
      container.dataset.zoom = level.toFixed(2);
    }
    document.querySelectorAll("[data-diagram-zoom]").forEach(function (button) {
      button.addEventListener("click", function () {
        var how = button.getAttribute("data-diagram-zoom");
        if (how === "fit") { canvas.zoom("fit-viewport", "auto"); container.dataset.zoom = canvas.zoom().toFixed(2); }
        else zoomBy(how === "in" ? STEP : 1 / STEP);
      });
    });
    function at(event) {
      var box = container.getBoundingClientRect();
      var view = canvas.viewbox();
      return { x: view.x + (event.clientX - box.left) / view.scale, y: view.y + (event.clientY - box.top) / view.scale };
    }
    container.addEventListener("wheel", function (event) {
      event.preventDefault();
      if (event.ctrlKey || event.metaKey) zoomBy(event.deltaY < 0 ? 1.1 : 1 / 1.1, at(event));
      else canvas.scroll({ dx: -event.deltaX, dy: -event.deltaY });
    }, { passive: false });
    var pointers = {}, pinch = null;
    container.addEventListener("pointerdown", function (event) {
      if (event.button > 0) return;
      event.preventDefault(); // a drag moves the diagram, it does not select its labels
      pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
      container.setPointerCapture(event.pointerId);
      container.classList.add("dragging");
    });
    container.addEventListener("pointermove", function (event) {
      var last = pointers[event.pointerId];
      if (!last) return;
      var ids = Object.keys(pointers);
      if (ids.length === 2) {
        var other = pointers[ids[0] == event.pointerId ? ids[1] : ids[0]];
        var distance = Math.hypot(event.clientX - other.x, event.clientY - other.y);
        if (pinch) zoomBy(distance / pinch, at({ clientX: (event.clientX + other.x) / 2, clientY: (event.clientY + other.y) / 2 }));
        pinch = distance;
      } else {
        canvas.scroll({ dx: event.clientX - last.x, dy: event.clientY - last.y });
      }
      pointers[event.pointerId] = { x: event.clientX, y: event.clientY };
    });
    function release(event) {
      delete pointers[event.pointerId];
      pinch = null;
      if (!Object.keys(pointers).length) container.classList.remove("dragging");
    }
    container.addEventListener("pointerup", release);
    container.addEventListener("pointercancel", release);
    container.dataset.zoom = canvas.zoom().toFixed(2);
  }
  function show() {
    var container = document.getElementById("diagram");
    if (!container) return;
    if (!window.BpmnJS) { container.dataset.state = "unavailable"; return; }
    var xml = json("diagram-xml") || "";
    var marks = json("diagram-marks") || {};
    var counts = json("diagram-counts") || {};
    var viewer = new window.BpmnJS({ container: container });
    window.batonDiagram = viewer;
    viewer.importXML(xml).then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      var overlays = viewer.get("overlays");
      Object.keys(marks).forEach(function (state) {
        marks[state].forEach(function (id) {
          if (registry.get(id)) canvas.addMarker(id, "bpmn-" + state);
        });
      });
      Object.keys(counts).forEach(function (id) {
        if (!registry.get(id)) return;
        var badge = document.createElement("span");
        badge.className = "heat-count";
        badge.textContent = counts[id];
        overlays.add(id, { position: { top: -12, right: 12 }, html: badge });
      });
      canvas.zoom("fit-viewport", "auto");
      navigation(container, canvas);
      container.dataset.state = "ready";
      document.querySelectorAll("[data-locate]").forEach(function (button) {
        button.addEventListener("click", function () {
          var id = button.getAttribute("data-locate");
          registry.getAll().forEach(function (el) { canvas.removeMarker(el.id, "bpmn-selected"); });
          var element = registry.get(id);
          if (!element) return;
          canvas.addMarker(id, "bpmn-selected");
          if (canvas.scrollToElement) canvas.scrollToElement(element);
          container.dataset.selected = id;
        });
      });
    }).catch(function (error) {
      container.dataset.state = "error";
      var note = document.getElementById("diagram-error");
      if (note) note.hidden = false;
      if (window.console) console.warn("diagram:", error && error.message);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
})();
