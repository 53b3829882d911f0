/* The process modeler (bpmn-js with the properties panel, bundled in static/vendor/baton-modeler):
   edit a version's diagram and each element's owners, form, due date, conditions and timers;
   saving posts the XML, which the server validates and deploys as a new version. */
(function () {
  "use strict";
  function start() {
    var container = document.getElementById("modeler");
    var form = document.getElementById("save-form");
    if (!container || !form) return;
    if (!window.BatonModeler) { container.dataset.state = "unavailable"; return; }
    var choices = JSON.parse(document.getElementById("modeler-choices").textContent);
    var modeler = window.BatonModeler({
      container: container,
      panel: document.getElementById("properties"),
      choices: choices,
      labels: JSON.parse(document.getElementById("modeler-labels").textContent)
    });
    window.batonModeler = modeler;
    var xml = JSON.parse(document.getElementById("diagram-xml").textContent);
    modeler.importXML(xml).then(function () {
      modeler.get("canvas").zoom("fit-viewport", "auto");
      container.dataset.state = "ready";
    }).catch(function (error) {
      container.dataset.state = "error";
      var note = document.getElementById("diagram-error");
      if (note) note.hidden = false;
      if (window.console) console.warn("modeler:", error && error.message);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      modeler.saveXML({ format: true }).then(function (result) {
        document.getElementById("xml").value = result.xml;
        form.submit();
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
