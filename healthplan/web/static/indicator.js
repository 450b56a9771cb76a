/* The indicator page's chart: observed figures against the straight-line path from baseline to target.
   Data comes from the page's <script type="application/json" id="chart-data">; nothing is loaded from elsewhere. */
(function () {
  "use strict";
  var el = document.getElementById("chart");
  var src = document.getElementById("chart-data");
  if (!el || !src || typeof echarts === "undefined") { return; }
  var d = JSON.parse(src.textContent);
  var series = [{
    name: el.dataset.observed, type: "line", data: d.observed, symbolSize: 8,
    lineStyle: { width: 3, color: "#1f5fa8" }, itemStyle: { color: "#1f5fa8" },
    label: { show: true, position: "top" }
  }];
  if (d.path && d.path.length) {
    series.push({ name: el.dataset.path, type: "line", data: d.path, symbol: "none",
                  lineStyle: { type: "dashed", width: 2, color: "#888" }, itemStyle: { color: "#888" } });
  }
  if (d.target_value !== null && d.target_value !== undefined) {
    series.push({ name: el.dataset.target, type: "scatter", data: [[d.target_year, d.target_value]],
                  symbol: "diamond", symbolSize: 14, itemStyle: { color: "#c0392b" } });
  }
  var chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 60, right: 30, top: 40, bottom: 40 },
    xAxis: { type: "value", minInterval: 1, scale: true, axisLabel: { formatter: function (v) { return String(v); } } },
    yAxis: { type: "value", scale: true },
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
