/* The supervisor's charts (templates/core/home_supervisor.html).
 *
 * The numbers come from the json_script block #dashboard-data (data, never run); each <canvas data-chart="key"> is
 * drawn with Chart.js (static/vendor/chartjs, loaded on this page only). Without JavaScript, or if the library did
 * not load, the charts stay hidden and the same numbers are in the tables under them ("Xem số liệu").
 * Nothing here writes HTML or a style attribute: the Content-Security-Policy allows only the project's files.
 */
(function () {
  "use strict";

  var source = document.getElementById("dashboard-data");
  if (!source) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var canvases = Array.prototype.slice.call(document.querySelectorAll("canvas[data-chart]"));

  function tableOf(canvas) {
    var body = canvas.closest(".card-body");
    return body ? body.querySelector("details") : null;
  }

  if (typeof window.Chart === "undefined") {
    canvases.forEach(function (canvas) {
      var details = tableOf(canvas);
      if (details) {
        details.open = true;
      }
    });
    return;
  }

  var Chart = window.Chart;
  var COLORS = ["#0d6efd", "#d63384", "#6c757d"]; // Bootstrap primary, pink, secondary: distinct for most eyes
  var KINDS = {
    forms: { type: "bar", horizontal: true },
    months: { type: "line" },
    ages: { type: "bar" },
  };

  // Long labels ("Hình thức gây tổn hại khác") on several lines instead of slanted text.
  function wrap(label, width) {
    var lines = [];
    var line = "";
    String(label).split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) {
        lines.push(line);
        line = word;
      } else {
        line = line ? line + " " + word : word;
      }
    });
    if (line) {
      lines.push(line);
    }
    return lines.length > 1 ? lines : label;
  }

  var body = window.getComputedStyle(document.body);
  Chart.defaults.font.family = body.fontFamily;
  Chart.defaults.color = body.color;

  canvases.forEach(function (canvas) {
    var key = canvas.getAttribute("data-chart");
    var chart = data[key];
    if (!chart) {
      return;
    }
    var kind = KINDS[key] || { type: "bar" };
    var links = chart.links || [];
    var valueAxis = kind.horizontal ? "x" : "y";
    var narrow = window.matchMedia("(max-width: 575.98px)").matches;
    var scales = {};
    scales[valueAxis] = { beginAtZero: true, ticks: { precision: 0 } };
    scales[kind.horizontal ? "y" : "x"] = { ticks: { autoSkip: key !== "forms" } }; // every form named

    canvas.parentElement.hidden = false; // the box has its size before the chart measures it
    new Chart(canvas, {
      type: kind.type,
      data: {
        labels: chart.labels.map(function (label) {
          if (key === "months" && narrow) {
            return label.replace(/\/20(\d\d)$/, "/$1"); // 11/2026 -> 11/26
          }
          return wrap(label, narrow ? 10 : 18);
        }),
        datasets: chart.series.map(function (series, i) {
          var color = COLORS[i % COLORS.length];
          return {
            label: series.label,
            data: series.values,
            backgroundColor: color,
            borderColor: color,
            borderWidth: kind.type === "line" ? 2 : 0,
            pointRadius: 3,
          };
        }),
      },
      options: {
        indexAxis: kind.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false, // slow phones: draw once
        plugins: { legend: { display: chart.series.length > 1, position: "bottom" } },
        scales: scales,
        onClick: function (event, elements) {
          if (elements.length && links[elements[0].index]) {
            window.location.href = links[elements[0].index];
          }
        },
        onHover: function (event, elements) {
          var target = event.native && event.native.target;
          if (target) {
            target.style.cursor = elements.length && links[elements[0].index] ? "pointer" : "default";
          }
        },
      },
    });
  });
})();
