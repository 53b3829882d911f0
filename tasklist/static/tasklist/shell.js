/* Small behaviours of the staff shell: a notice when a new task arrives (the inbox count, polled by
   htmx, went up) and keyboard operation of the inbox (j / k to move, / to search). */
(function () {
  "use strict";
  var lastCount = null;
  document.addEventListener("htmx:afterSwap", function (event) {
    var badge = event.target;
    if (!badge || badge.id !== "nav-inbox-count") return;
    var count = parseInt(badge.textContent, 10) || 0;
    if (lastCount !== null && count > lastCount) {
      var box = document.getElementById("messages");
      if (box) {
        var note = document.createElement("p");
        note.className = "message info";
        var link = document.createElement("a");
        link.href = badge.dataset.inboxUrl;
        link.textContent = badge.dataset.newTaskText;
        note.appendChild(link);
        box.appendChild(note);
      }
    }
    lastCount = count;
  });

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  /* Keyboard operation of every list that marks itself with data-list-keys (the inbox, the
     customer list, the pool): j / k move between rows, Enter opens, "/" jumps to the
     [data-list-search] box, "n" follows the page's [data-list-new] link where there is one. */
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var results = document.querySelector("[data-list-keys]");
    if (!results) return;
    if (event.key === "/") {
      var search = document.querySelector("[data-list-search]");
      if (search) {
        event.preventDefault();
        var panel = search.closest("details");
        if (panel) panel.open = true;
        search.focus();
      }
      return;
    }
    if (event.key === "n") {
      var create = document.querySelector("[data-list-new]");
      if (create) { event.preventDefault(); create.click(); }
      return;
    }
    if (event.key !== "j" && event.key !== "k") return;
    var links = Array.prototype.slice.call(results.querySelectorAll("a.task-name, button[data-list-row]"));
    if (!links.length) return;
    event.preventDefault();
    var index = links.indexOf(document.activeElement);
    if (event.key === "j") index = index < 0 ? 0 : Math.min(index + 1, links.length - 1);
    else index = index < 0 ? 0 : Math.max(index - 1, 0);
    links[index].focus();
  });

  /* Menus of the top bar: one open at a time; a click elsewhere or Escape closes them. */
  function closeMenus(except) {
    document.querySelectorAll(".nav-menu details[open]").forEach(function (menu) {
      if (menu !== except) menu.open = false;
    });
  }
  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest ? event.target.closest(".nav-menu details") : null);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeMenus(null);
  });
})();
