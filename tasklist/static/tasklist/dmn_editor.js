/* The designer's decision-table editor: dmn-js (vendored) on one decision of the version's DMN
   file. Every button of the test form (run, add rows, save) sends the table as edited, so the
   tests run against the rules on screen. */
(function () {
  "use strict";
  function start() {
    var container = document.getElementById("dmn-editor");
    var form = document.getElementById("decision-tests");
    if (!container || !form) return;
    if (!window.DmnJS) { container.dataset.state = "unavailable"; return; }
    var modeler = new window.DmnJS({ container: container });
    window.batonDmn = modeler;
    var wanted = container.dataset.decision;
    var xml = JSON.parse(document.getElementById("dmn-xml").textContent);
    modeler.importXML(xml).then(function () {
      var view = modeler.getViews().find(function (v) { return v.type === "decisionTable" && v.element.id === wanted; });
      return view ? modeler.open(view) : null;
    }).then(function () {
      container.dataset.state = "ready";
    }).catch(function (error) {
      container.dataset.state = "error";
      var note = document.getElementById("dmn-error");
      if (note) note.hidden = false;
      if (window.console) console.warn("dmn:", error && error.message);
    });
    var pressed = null;
    form.addEventListener("click", function (event) {
      if (event.target && event.target.name === "action") pressed = event.target;
    });
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) return;
      event.preventDefault();
      modeler.saveXML({ format: true }).then(function (result) {
        document.getElementById("dmn-xml-field").value = result.xml;
        form.dataset.sending = "1";
        if (pressed) {
          var action = document.createElement("input");
          action.type = "hidden"; action.name = "action"; action.value = pressed.value;
          form.appendChild(action);
        }
        form.submit();
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
