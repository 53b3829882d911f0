/* Task forms from JSON Schema (templates/core/_jsonform_field.html): line tables gain and lose
   rows, and pickers search as the user types through their JSON endpoint. Without this file the
   forms still work: one row is offered, and a picker lists its first options. */
(function () {
  "use strict";

  function renumber(table) {
    table.querySelectorAll("tbody [data-line-row]").forEach(function (row, i) {
      var cell = row.querySelector(".line-no");
      if (cell) cell.textContent = String(i + 1);
    });
  }

  function nextIndex(table) {
    var highest = -1;
    table.querySelectorAll("tbody [name]").forEach(function (input) {
      var parts = input.name.split(".");
      var n = parseInt(parts[1], 10);
      if (!isNaN(n) && n > highest) highest = n;
    });
    return highest + 1;
  }

  function addRow(fieldset) {
    var template = fieldset.querySelector("template[data-line-template]");
    var body = fieldset.querySelector("tbody");
    if (!template || !body) return;
    var index = String(nextIndex(fieldset));
    var row = template.content.firstElementChild.cloneNode(true);
    row.querySelectorAll("[name], [id], [for], [aria-controls], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-controls", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.split("__row__").join(index));
      });
    });
    body.appendChild(row);
    renumber(fieldset);
    var first = row.querySelector("input:not([type=search]), select");
    if (first) first.focus();
  }

  function search(box) {
    var picker = box.closest("[data-picker]");
    var select = picker && picker.querySelector("select");
    if (!select) return;
    var url = picker.getAttribute("data-search-url");
    var query = box.value.trim();
    fetch(url + "&q=" + encodeURIComponent(query), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (answer) {
        if (box.value.trim() !== query) return; // typed on meanwhile: a later answer follows
        var chosen = select.value;
        var keep = chosen ? select.querySelector('option[value="' + CSS.escape(chosen) + '"]') : null;
        while (select.options.length > 1) select.remove(1);
        var seen = {};
        if (keep) { select.add(keep); seen[chosen] = true; }
        (answer.results || []).forEach(function (item) {
          if (seen[item.value]) return;
          var option = document.createElement("option");
          option.value = item.value;
          option.textContent = item.detail ? item.label + " · " + item.detail : item.label;
          select.add(option);
        });
        if (!chosen && answer.results && answer.results.length === 1) select.value = answer.results[0].value;
        picker.dataset.results = String((answer.results || []).length);
      });
  }

  var timers = new WeakMap();
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.classList || !box.classList.contains("picker-search")) return;
    clearTimeout(timers.get(box));
    timers.set(box, setTimeout(function () { search(box); }, 200));
  });

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-line-add]");
    if (add) {
      event.preventDefault();
      addRow(add.closest("[data-line-table]"));
      return;
    }
    var remove = event.target.closest("[data-line-remove]");
    if (remove) {
      event.preventDefault();
      var table = remove.closest("[data-line-table]");
      remove.closest("[data-line-row]").remove();
      renumber(table);
    }
  });
})();
