/* Keyboard operation of the CRM lists (customer list, pool): j / k move between rows, Enter opens,
   "/" jumps to the search box; "n" opens the new-customer form where the page offers it. */
(function () {
  "use strict";
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var results = document.querySelector("[data-crm-list]");
    if (!results) return;
    if (event.key === "/") {
      var search = document.querySelector("[data-crm-search]");
      if (search) {
        event.preventDefault();
        var panel = search.closest("details");
        if (panel) panel.open = true;
        search.focus();
      }
      return;
    }
    if (event.key === "n") {
      var create = document.querySelector("[data-crm-new]");
      if (create) { event.preventDefault(); create.click(); }
      return;
    }
    if (event.key !== "j" && event.key !== "k") return;
    var links = Array.prototype.slice.call(results.querySelectorAll("a.task-name, button[data-crm-row]"));
    if (!links.length) return;
    event.preventDefault();
    var index = links.indexOf(document.activeElement);
    if (event.key === "j") index = index < 0 ? 0 : Math.min(index + 1, links.length - 1);
    else index = index < 0 ? 0 : Math.max(index - 1, 0);
    links[index].focus();
  });
})();
