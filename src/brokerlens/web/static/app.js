/* brokerlens workbench: charts from data the server embeds, CSRF for htmx, builder rows. */
(function () {
  "use strict";

  // Every htmx request carries the session's CSRF token (forms carry it as a field too).
  document.addEventListener("htmx:configRequest", function (evt) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) evt.detail.headers["X-CSRF-Token"] = meta.content;
  });

  var ACCENT = "#0b3d91", INDEX = "#b26a00", UP = "#c62828", DOWN = "#1b7f3b";
  var PALETTE = ["#0b3d91", "#3f7fd6", "#7fb1ee", "#b26a00", "#e0a94a", "#1b7f3b", "#8a94a6", "#c62828"];
  var zh = document.body.dataset.lang !== "en";

  function money(v) {
    if (v === null || v === undefined || isNaN(v)) return "—";
    var a = Math.abs(v);
    if (zh) {
      if (a >= 1e8) return (v / 1e8).toFixed(2) + "亿";
      if (a >= 1e4) return (v / 1e4).toFixed(1) + "万";
    } else {
      if (a >= 1e9) return (v / 1e9).toFixed(2) + "B";
      if (a >= 1e6) return (v / 1e6).toFixed(2) + "M";
      if (a >= 1e4) return (v / 1e3).toFixed(0) + "K";
    }
    return Number(v).toLocaleString(undefined, { maximumFractionDigits: 2 });
  }

  var base = {
    textStyle: { fontFamily: "inherit", fontSize: 11 },
    grid: { left: 64, right: 56, top: 28, bottom: 28 },
    tooltip: { trigger: "axis" },
    color: PALETTE,
  };

  var builders = {
    // {dates, series: [{name, values}], index?: {name, values}}
    line: function (d) {
      var series = (d.series || []).map(function (s, i) {
        return { name: s.name, type: "line", data: s.values, showSymbol: false, smooth: false,
          lineStyle: { width: 1.6 }, areaStyle: i === 0 ? { opacity: 0.06 } : undefined };
      });
      var yAxis = [{ type: "value", scale: true, axisLabel: { formatter: money }, splitLine: { lineStyle: { color: "#eef0f3" } } }];
      if (d.index) {
        yAxis.push({ type: "value", scale: true, splitLine: { show: false } });
        series.push({ name: d.index.name, type: "line", yAxisIndex: 1, data: d.index.values,
          showSymbol: false, lineStyle: { width: 1.2, type: "dashed", color: INDEX }, itemStyle: { color: INDEX } });
      }
      return Object.assign({}, base, {
        legend: { top: 0, right: 0, itemHeight: 8, textStyle: { fontSize: 11 } },
        xAxis: { type: "category", data: d.dates, axisLabel: { fontSize: 10 } },
        yAxis: yAxis, series: series,
      });
    },
    // {items: [{name, value}]}
    donut: function (d) {
      return Object.assign({}, base, {
        tooltip: { trigger: "item", valueFormatter: money },
        legend: { orient: "vertical", right: 0, top: "middle", itemHeight: 8, textStyle: { fontSize: 11 } },
        series: [{ type: "pie", radius: ["48%", "72%"], center: ["38%", "52%"], data: d.items,
          label: { show: false }, itemStyle: { borderColor: "#fff", borderWidth: 1 } }],
      });
    },
    // {labels, values}: bars, red up / green down
    bars: function (d) {
      return Object.assign({}, base, {
        xAxis: { type: "category", data: d.labels, axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", axisLabel: { formatter: money }, splitLine: { lineStyle: { color: "#eef0f3" } } },
        series: [{ type: "bar", data: (d.values || []).map(function (v) {
          return { value: v, itemStyle: { color: v >= 0 ? UP : DOWN } };
        }) }],
      });
    },
  };

  function drawCharts(root) {
    if (!window.echarts) return;
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.chart);
      if (!source) return;
      var data = JSON.parse(source.textContent);
      var build = builders[el.dataset.kind || "line"];
      if (!build) return;
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(build(data));
      el.dataset.drawn = "1";
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  // Segment builder: add / remove condition rows from a <template>.
  document.addEventListener("click", function (evt) {
    var add = evt.target.closest("[data-add-row]");
    if (add) {
      var tpl = document.getElementById(add.dataset.addRow);
      var target = document.getElementById(add.dataset.into);
      if (tpl && target) {
        target.appendChild(tpl.content.cloneNode(true));
        if (window.htmx) htmx.process(target);
      }
      evt.preventDefault();
    }
    var remove = evt.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest(".cond-row");
      var form = remove.closest("form");
      if (row) row.remove();
      if (form) form.dispatchEvent(new Event("change", { bubbles: true }));
      evt.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { drawCharts(evt.target); });
})();
