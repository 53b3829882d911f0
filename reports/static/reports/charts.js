// Draws the report's chart from the JSON the page embeds (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  var canvas = document.getElementById("report-chart");
  var source = document.getElementById("report-chart-data");
  if (!canvas || !source || typeof Chart === "undefined") return;
  var spec = JSON.parse(source.textContent);
  var palette = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
  var round = spec.type === "doughnut" || spec.type === "pie";
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
