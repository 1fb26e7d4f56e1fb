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

  function pct(v, signed) {
    if (v === null || v === undefined || isNaN(v)) return "—";
    var text = (v * 100).toFixed(2) + "%";
    return signed && v > 0 ? "+" + text : text;
  }
  function signedMoney(v) {
    if (v === null || v === undefined || isNaN(v)) return "—";
    return (v > 0 ? "+" : "") + money(v);
  }

  var base = {
    animation: false,  // drawn at once: the 360 counts to its last chart drawn
    textStyle: { fontFamily: "inherit", fontSize: 11 },
    grid: { left: 64, right: 24, top: 28, bottom: 28 },
    tooltip: { trigger: "axis", valueFormatter: money },
    color: PALETTE,
  };
  var gridLine = { lineStyle: { color: "#eef0f3" } };

  // The first index of `dates` (ISO strings, oldest first) inside the period ending on the last.
  var MONTHS = { "1m": 1, "3m": 3, "6m": 6, "1y": 12 };
  function periodStart(dates, period) {
    var months = MONTHS[period];
    if (!months || !dates.length) return 0;
    var last = dates[dates.length - 1].split("-").map(Number);
    var total = last[0] * 12 + (last[1] - 1) - months;
    var y = Math.floor(total / 12), m = total % 12 + 1, d = Math.min(last[2], 28);
    var start = y + "-" + (m < 10 ? "0" : "") + m + "-" + (d < 10 ? "0" : "") + d;
    for (var i = 0; i < dates.length; i++) if (dates[i] > start) return i;
    return dates.length - 1;
  }
  function rebase(values) {
    var first = null;
    return values.map(function (v) {
      if (v === null || v === undefined) return null;
      if (first === null) { if (!v) return null; first = v; }
      return Math.round((v / first - 1) * 1e6) / 1e6;
    });
  }

  var builders = {
    // {dates, series: [{name, values}]}: amounts on an axis from zero (the home trend)
    line: function (d) {
      var series = (d.series || []).map(function (s, i) {
        return { name: s.name, type: "line", data: s.values, showSymbol: false, smooth: false,
          lineStyle: { width: 1.6 }, areaStyle: i === 0 ? { opacity: 0.06 } : undefined };
      });
      return Object.assign({}, base, {
        legend: { top: 0, right: 0, itemHeight: 8, textStyle: { fontSize: 11 } },
        xAxis: { type: "category", data: d.dates, axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", scale: false, min: 0, axisLabel: { formatter: money }, splitLine: gridLine },
        series: series,
      });
    },
    // {dates, assets, index, names}: both rebased to % of the period's first day, one axis
    rebased: function (d, period) {
      var from = periodStart(d.dates || [], period);
      var dates = (d.dates || []).slice(from);
      var names = d.names || ["", ""];
      return Object.assign({}, base, {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return pct(v, true); } },
        legend: { top: 0, right: 0, itemHeight: 8, textStyle: { fontSize: 11 } },
        xAxis: { type: "category", data: dates, axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", scale: true, axisLabel: { formatter: function (v) { return pct(v, true); } }, splitLine: gridLine },
        series: [
          { name: names[0], type: "line", data: rebase((d.assets || []).slice(from)), showSymbol: false,
            lineStyle: { width: 1.8, color: ACCENT }, itemStyle: { color: ACCENT },
            markLine: { silent: true, symbol: "none", label: { show: false }, lineStyle: { color: "#8a94a6", type: "solid", width: 1 }, data: [{ yAxis: 0 }] } },
          { name: names[1], type: "line", data: rebase((d.index || []).slice(from)), showSymbol: false,
            lineStyle: { width: 1.2, type: "dashed", color: INDEX }, itemStyle: { color: INDEX } },
        ],
      });
    },
    // {dates, series: [{name, values}]}: every line rebased to % of its first value, one axis
    // (a product's NAV, accumulated NAV and benchmark index)
    navs: function (d) {
      var series = (d.series || []).map(function (s, i) {
        return { name: s.name, type: "line", data: rebase(s.values || []), showSymbol: false,
          lineStyle: { width: i === 2 ? 1.2 : 1.6, type: i === 2 ? "dashed" : "solid" } };
      });
      return Object.assign({}, base, {
        tooltip: { trigger: "axis", valueFormatter: function (v) { return pct(v, true); } },
        legend: { top: 0, right: 0, itemHeight: 8, textStyle: { fontSize: 11 } },
        xAxis: { type: "category", data: d.dates, axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", scale: true, axisLabel: { formatter: function (v) { return pct(v, true); } }, splitLine: gridLine },
        series: series,
      });
    },
    // {items: [{name, value, share?}]}: each share in %
    donut: function (d) {
      return Object.assign({}, base, {
        tooltip: { trigger: "item", formatter: function (p) {
          var value = d.unit === "count" ? Number(p.value).toLocaleString("zh-CN") + (zh ? " 人" : "") : money(p.value);
          return p.marker + p.name + "：" + value + "（" + p.percent.toFixed(1) + "%）";
        } },
        legend: { orient: "vertical", right: 0, top: "middle", itemHeight: 8, textStyle: { fontSize: 11 } },
        series: [{ type: "pie", radius: ["40%", "62%"], center: ["40%", "52%"], data: d.items,
          label: { show: true, formatter: "{d}%", fontSize: 10 }, labelLine: { length: 6, length2: 4 },
          itemStyle: { borderColor: "#fff", borderWidth: 1 } }],
      });
    },
    // {labels, values}: bars, red up / green down
    bars: function (d) {
      return Object.assign({}, base, {
        xAxis: { type: "category", data: d.labels, axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", axisLabel: { formatter: money }, splitLine: gridLine },
        series: [{ type: "bar", data: (d.values || []).map(function (v) {
          return { value: v, itemStyle: { color: v >= 0 ? UP : DOWN } };
        }) }],
      });
    },
    // {points: [[customer share, commission share]], share, needed, names, x_name, y_name}:
    // the Pareto curve (issue 22), the chosen share marked across and where it is reached
    pareto: function (d) {
      var names = d.names || [""];
      var marks = [{ yAxis: d.share }];
      if (d.needed !== null && d.needed !== undefined) marks.push({ xAxis: d.needed });
      return Object.assign({}, base, {
        tooltip: { trigger: "axis", formatter: function (ps) {
          var p = ps[0];
          return (d.x_name || "") + "：" + pct(p.value[0]) + "<br>" + p.marker + names[0] + "：" + pct(p.value[1]);
        } },
        grid: { left: 64, right: 24, top: 28, bottom: 44 },
        xAxis: { type: "value", min: 0, max: 1, name: d.x_name, nameLocation: "middle", nameGap: 26,
          axisLabel: { formatter: function (v) { return pct(v).replace(".00", ""); } }, splitLine: gridLine },
        yAxis: { type: "value", min: 0, max: 1, name: d.y_name,
          axisLabel: { formatter: function (v) { return pct(v).replace(".00", ""); } }, splitLine: gridLine },
        series: [{ name: names[0], type: "line", data: d.points || [], showSymbol: false,
          lineStyle: { width: 1.8, color: ACCENT }, itemStyle: { color: ACCENT }, areaStyle: { opacity: 0.06 },
          markLine: { silent: true, symbol: "none", label: { show: false },
            lineStyle: { color: INDEX, type: "dashed", width: 1 }, data: marks } }],
      });
    },
    // {dates, values, names}: daily P&L bars (red up / green down) and the cumulative line
    pnl: function (d, period) {
      var from = periodStart(d.dates || [], period);
      var values = (d.values || []).slice(from);
      var sum = 0, cumulative = values.map(function (v) { sum += v || 0; return Math.round(sum * 100) / 100; });
      var names = d.names || ["", ""];
      return Object.assign({}, base, {
        tooltip: { trigger: "axis", valueFormatter: signedMoney },
        legend: { top: 0, right: 0, itemHeight: 8, textStyle: { fontSize: 11 } },
        xAxis: { type: "category", data: (d.dates || []).slice(from), axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", axisLabel: { formatter: money }, splitLine: gridLine },
        series: [
          { name: names[0], type: "bar", itemStyle: { color: UP }, data: values.map(function (v) {
            return { value: v, itemStyle: { color: v >= 0 ? UP : DOWN } };
          }) },
          { name: names[1], type: "line", data: cumulative, showSymbol: false,
            lineStyle: { width: 1.6, color: ACCENT }, itemStyle: { color: ACCENT } },
        ],
      });
    },
    // issue 22 section 3 (channels and timing) -------------------------------------------------
    // {labels, series: [{name, values}]}: customers at each funnel stage, one bar per series
    stagebars: function (d) {
      var count = function (v) { return Number(v).toLocaleString("zh-CN"); };
      return Object.assign({}, base, {
        tooltip: { trigger: "axis", valueFormatter: count },
        legend: { top: 0, right: 0, itemHeight: 8, textStyle: { fontSize: 11 } },
        xAxis: { type: "category", data: d.labels, axisLabel: { fontSize: 10 } },
        yAxis: { type: "value", minInterval: 1, axisLabel: { formatter: count }, splitLine: gridLine },
        series: (d.series || []).map(function (s) { return { name: s.name, type: "bar", data: s.values }; }),
      });
    },
    // {x, y, cells: [[x, y, percent]]}: cohort retention, the share active in %
    heatmap: function (d) {
      return Object.assign({}, base, {
        grid: { left: 64, right: 24, top: 12, bottom: 56 },
        tooltip: { trigger: "item", formatter: function (p) {
          return d.y[p.value[1]] + " · " + d.x[p.value[0]] + "：" + p.value[2].toFixed(1) + "%";
        } },
        xAxis: { type: "category", data: d.x, axisLabel: { fontSize: 10 } },
        yAxis: { type: "category", data: d.y, axisLabel: { fontSize: 10 } },
        visualMap: { min: 0, max: 100, calculable: false, orient: "horizontal", left: "center", bottom: 0,
          itemHeight: 80, textStyle: { fontSize: 10 }, inRange: { color: ["#f4f7fb", "#7fb1ee", ACCENT] } },
        series: [{ type: "heatmap", data: d.cells, label: { show: true, fontSize: 9,
          formatter: function (p) { return p.value[2].toFixed(0) + "%"; } } }],
      });
    },
    // {labels, bars: {name, values}, line: {name, values, percent?}}: bars on the left axis
    // (amounts), a line on the right (a count, or a change in %)
    combo: function (d) {
      var right = d.line.percent ? function (v) { return pct(v, true); } : function (v) { return Number(v).toLocaleString("zh-CN"); };
      return Object.assign({}, base, {
        grid: { left: 64, right: 64, top: 28, bottom: 28 },
        tooltip: { trigger: "axis" },
        legend: { top: 0, right: 0, itemHeight: 8, textStyle: { fontSize: 11 } },
        xAxis: { type: "category", data: d.labels, axisLabel: { fontSize: 10 } },
        yAxis: [
          { type: "value", axisLabel: { formatter: money }, splitLine: gridLine },
          { type: "value", axisLabel: { formatter: right }, splitLine: { show: false } },
        ],
        series: [
          { name: d.bars.name, type: "bar", data: d.bars.values, itemStyle: { color: ACCENT },
            tooltip: { valueFormatter: money } },
          { name: d.line.name, type: "line", yAxisIndex: 1, data: d.line.values, showSymbol: false,
            lineStyle: { width: 1.4, color: INDEX }, itemStyle: { color: INDEX }, tooltip: { valueFormatter: right } },
        ],
      });
    },
    // {names: [x, y], points: [[change, turnover, date]]}: one point a day
    scatter: function (d) {
      return Object.assign({}, base, {
        tooltip: { trigger: "item", formatter: function (p) {
          return p.value[2] + "<br>" + d.names[0] + "：" + pct(p.value[0], true) + "<br>" + d.names[1] + "：" + money(p.value[1]);
        } },
        xAxis: { type: "value", name: d.names[0], nameLocation: "middle", nameGap: 22, scale: true,
          axisLabel: { formatter: function (v) { return pct(v, true); } }, splitLine: gridLine },
        yAxis: { type: "value", name: d.names[1], scale: true, axisLabel: { formatter: money }, splitLine: gridLine },
        series: [{ type: "scatter", data: d.points, symbolSize: 6, itemStyle: { color: ACCENT, opacity: 0.7 } }],
      });
    },
  };

  // A value in a metric's unit (the business dashboards, issue 22).
  function unitFormatter(unit) {
    if (unit === "rate") return function (v) { return pct(v); };
    if (unit === "permille") return function (v) {
      return v === null || v === undefined || isNaN(v) ? "—" : (v * 1000).toFixed(2) + "‰";
    };
    if (unit === "yuan") return money;
    return function (v) {
      return v === null || v === undefined || isNaN(v) ? "—" : Number(v).toLocaleString();
    };
  }
  // {categories, units: [axis 0's unit, axis 1's], series: [{name, type, values, axis}],
  // horizontal}: bars and lines over categories, each axis in its unit (dashboards, issue 22)
  builders.dash = function (d) {
    var units = d.units && d.units.length ? d.units : ["yuan"];
    var axes = units.map(function (u, i) {
      return { type: "value", scale: false, axisLabel: { formatter: unitFormatter(u) },
        splitLine: i === 0 ? gridLine : { show: false } };
    });
    var categories = { type: "category", data: d.categories || [], axisLabel: { fontSize: 10 } };
    var series = (d.series || []).map(function (s) {
      var one = { name: s.name, type: s.type || "line", data: s.values, showSymbol: false,
        tooltip: { valueFormatter: unitFormatter(units[s.axis || 0]) } };
      if (d.horizontal) one.xAxisIndex = s.axis || 0; else one.yAxisIndex = s.axis || 0;
      if (one.type === "line") one.lineStyle = { width: 1.6 };
      return one;
    });
    return Object.assign({}, base, {
      tooltip: { trigger: "axis" },
      legend: { top: 0, right: 0, itemHeight: 8, textStyle: { fontSize: 11 } },
      grid: d.horizontal ? { left: 88, right: 24, top: 28, bottom: 28 } : { left: 64, right: units.length > 1 ? 64 : 24, top: 28, bottom: 28 },
      xAxis: d.horizontal ? axes : categories,
      yAxis: d.horizontal ? Object.assign({}, categories, { inverse: true }) : axes,
      series: series,
    });
  };

  // The 360 marks when every chart on the page is drawn: data-charts-done on <body> and
  // window.__chartsDone (ms since navigation start), for its timing test.
  function checkDone() {
    var charts = document.querySelectorAll("[data-chart]").length;
    var pending = document.querySelectorAll("[data-chart]:not([data-finished])").length;
    var slots = document.querySelectorAll("[hx-trigger='load'] .loading-slot").length;
    if (charts && !pending && !slots && !window.__chartsDone) {
      window.__chartsDone = Math.max(window.__lastChart || 0, window.__lastSettle || 0);
      document.body.dataset.chartsDone = "1";
    }
  }
  function markDrawn(el) {
    el.dataset.finished = "1";
    window.__lastChart = performance.now();
    checkDone();
  }

  function currentPeriod(el) {
    var grid = el.closest("[data-period]");
    return grid ? grid.dataset.period : undefined;
  }

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
      chart.on("finished", function () { if (!el.dataset.finished) markDrawn(el); });
      chart.setOption(build(data, currentPeriod(el)));
      el.dataset.drawn = "1";
      el.__chart = { chart: chart, data: data, build: build };
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  // The 360's period picker: redraws the curve and the P&L over the period, keeps it in the URL.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest("#period-picker [data-period]");
    if (!button) return;
    var period = button.dataset.period;
    var grid = document.getElementById("chart-grid");
    if (!grid) return;
    grid.dataset.period = period;
    document.querySelectorAll("#period-picker [data-period]").forEach(function (b) {
      var on = b === button;
      b.classList.toggle("active", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    grid.querySelectorAll("[data-chart]").forEach(function (el) {
      var held = el.__chart;
      if (held) held.chart.setOption(held.build(held.data, period), true);
    });
    var url = new URL(window.location.href);
    url.searchParams.set("period", period);
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  });

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
  document.addEventListener("htmx:afterSettle", function (evt) {
    window.__lastSettle = performance.now();
    drawCharts(evt.target);
    checkDone();
  });
})();
