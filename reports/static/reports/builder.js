// Draws every built report's chart on the page (builder preview, saved report, dashboard tiles)
// from the JSON the page embeds, again after htmx swaps the builder (no inline script: CSP).
(function () {
  var palette = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
  function draw(root) {
    if (typeof Chart === "undefined") return;
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) return;
      var previous = Chart.getChart(canvas);
      if (previous) previous.destroy();
      var spec = JSON.parse(source.textContent);
      var round = spec.type === "pie";
      spec.datasets.forEach(function (dataset, index) {
        var colour = palette[index % palette.length];
        dataset.backgroundColor = round ? palette : colour;
        dataset.borderColor = round ? "#fff" : colour;
        dataset.borderWidth = round ? 2 : 1;
        dataset.tension = 0.2;
      });
      new Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: spec.datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: spec.datasets.length > 1 || round } },
          scales: round ? {} : { y: { beginAtZero: true } }
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
