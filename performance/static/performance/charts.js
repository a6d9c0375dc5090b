// Charts of the performance pages, drawn with Chart.js (from npm) from data the page embeds with json_script.
// Each chart has its text summary beside it on the page; the canvas is the picture, not the only source.
(function () {
  function cssColour(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue("--bs-" + name).trim();
    return value || fallback;
  }
  function readJson(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }
  const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });

  const builders = {
    weekly(source) {
      return {
        type: "bar",
        data: {
          labels: source.weeks.map((w) => w.label),
          datasets: [
            {
              type: "bar",
              label: "Orders",
              data: source.weeks.map((w) => w.orders),
              backgroundColor: cssColour("primary", "#0d6efd"),
              yAxisID: "orders",
              order: 2,
            },
            {
              type: "line",
              label: "Value",
              data: source.weeks.map((w) => w.value),
              borderColor: cssColour("success", "#198754"),
              backgroundColor: cssColour("success", "#198754"),
              pointRadius: 2,
              tension: 0.25,
              yAxisID: "value",
              order: 1,
            },
          ],
        },
        options: {
          maintainAspectRatio: false,
          interaction: { mode: "index", intersect: false },
          scales: {
            orders: { position: "left", beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Orders" } },
            value: {
              position: "right",
              beginAtZero: true,
              grid: { drawOnChartArea: false },
              ticks: { callback: (v) => compact.format(v) },
              title: { display: true, text: "Value" },
            },
            x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 9 } },
          },
        },
      };
    },
    weekday(source) {
      return {
        type: "bar",
        data: {
          labels: source.weekdays.map((d) => d.label),
          datasets: [{ label: "Orders", data: source.weekdays.map((d) => d.orders), backgroundColor: cssColour("info", "#0dcaf0") }],
        },
        options: {
          maintainAspectRatio: false,
          plugins: { legend: { display: false } },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      };
    },
    team(source) {
      return {
        type: "bar",
        data: {
          labels: source.labels,
          datasets: source.series.map((s) => ({
            label: s.label,
            data: s.data,
            backgroundColor: cssColour(s.colour, "#6c757d"),
          })),
        },
        options: {
          indexAxis: "y",
          maintainAspectRatio: false,
          plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
          scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } },
        },
      };
    },
  };

  function drawCharts(root) {
    if (!window.Chart) return;
    root.querySelectorAll("canvas[data-kam-chart]").forEach((canvas) => {
      if (canvas.dataset.drawn) return;
      const build = builders[canvas.dataset.kamChart];
      const source = readJson(canvas.dataset.source);
      if (!build || !source) return;
      canvas.dataset.drawn = "1";
      new window.Chart(canvas, build(source));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", () => drawCharts(document));
  } else {
    drawCharts(document);
  }
  // htmx:load fires on each piece of content htmx adds (the lead page's ordering charts arrive when scrolled to).
  document.body.addEventListener("htmx:load", (event) => drawCharts(event.target));
})();
