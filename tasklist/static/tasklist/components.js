/* Alpine components of the staff pages, registered before Alpine starts (this file loads first).
   Alpine's CSP build evaluates only simple expressions in x-* attributes (no arrow functions, no
   statement lists, no assignments to DOM properties), which is what lets the Content-Security-Policy
   leave out 'unsafe-eval'; behaviour that needs more is written here. */
document.addEventListener("alpine:init", function () {
  "use strict";
  var Alpine = window.Alpine;

  /* A filter panel (<details data-filtered="true|false">): open when filters are applied or the
     screen is wide enough to show it beside the list. */
  Alpine.data("filtersPanel", function () {
    return {
      init: function () {
        this.$el.open =
          this.$el.dataset.filtered === "true" || window.matchMedia("(min-width: 721px)").matches;
      },
    };
  });

  /* The bulk bar of a generic list: only the chosen action's value (whom to, why…) is shown. */
  Alpine.data("bulkBar", function () {
    return {
      init: function () {
        var bar = this.$el;
        var select = bar.querySelector("select[name=action]");
        function update() {
          bar.querySelectorAll("[data-bulk-param]").forEach(function (el) {
            el.hidden = el.dataset.bulkParam !== select.value;
          });
        }
        select.addEventListener("change", update);
        update();
      },
    };
  });

  /* A tab of the customer card loaded by htmx: once its panel arrives, it becomes the current tab. */
  Alpine.data("cardTab", function () {
    return {
      select: function () {
        var link = this.$el;
        document.querySelectorAll(".tabs a").forEach(function (a) {
          a.removeAttribute("aria-current");
        });
        link.setAttribute("aria-current", "page");
      },
    };
  });

  /* "Cancel the process…": asks for the reason first, with the cursor in its field. */
  Alpine.data("cancelProcess", function () {
    return {
      asking: false,
      ask: function () {
        var refs = this.$refs;
        this.asking = true;
        this.$nextTick(function () {
          refs.reason.focus();
        });
      },
      keep: function () {
        this.asking = false;
      },
      notAsking: function () {
        return !this.asking;
      },
    };
  });

  /* The header checkbox of the inbox's bulk actions: ticks or clears every task on the page. */
  Alpine.data("selectAllTasks", function () {
    return {
      toggle: function (event) {
        var checked = (event || this.$event).target.checked;
        document.querySelectorAll("input[name=task][form=bulk-form]").forEach(function (box) {
          box.checked = checked;
        });
      },
    };
  });

  /* The designer's drop zone: files dropped on it go into the file field, their names are listed. */
  Alpine.data("uploadDrop", function () {
    function names(files) {
      return Array.prototype.map.call(files, function (file) {
        return file.name;
      });
    }
    return {
      over: false,
      names: [],
      enter: function () {
        this.over = true;
      },
      leave: function () {
        this.over = false;
      },
      drop: function (event) {
        var files = (event || this.$event).dataTransfer.files;
        this.over = false;
        this.$refs.files.files = files;
        this.names = names(files);
      },
      chosen: function (event) {
        this.names = names((event || this.$event).target.files);
      },
    };
  });
});
