/* Process diagrams: the bpmn-js viewer (vendored) with state markers, count overlays (where
   instances wait) and findings that highlight their element when clicked. */
(function () {
  "use strict";
  function json(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
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
