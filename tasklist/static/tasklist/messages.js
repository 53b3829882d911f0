/* Messages: keep the newest message in view, and Ctrl/⌘+Enter sends. */
(function () {
  "use strict";
  function toBottom() {
    var list = document.getElementById("message-list");
    if (!list) return;
    if (location.hash && document.querySelector(location.hash)) return;
    list.scrollTop = list.scrollHeight;
    if (window.matchMedia("(max-width: 720px)").matches && list.lastElementChild) {
      list.lastElementChild.scrollIntoView({ block: "end" });
    }
  }
  document.addEventListener("DOMContentLoaded", toBottom);
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "message-list") {
      var list = event.detail.target;
      // two polls crossing (a send asks at once while the timer's poll is under way) may bring
      // the same message twice: keep the first
      var seen = {};
      Array.prototype.slice.call(list.children).forEach(function (item) {
        if (item.id && seen[item.id]) item.remove();
        else if (item.id) seen[item.id] = true;
      });
      list.scrollTop = list.scrollHeight;
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.id === "chat-body") {
      event.preventDefault();
      var form = event.target.form;
      if (form) form.requestSubmit();
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "composer") {
      var box = document.getElementById("chat-body");
      if (box) box.focus();
    }
  });
})();
