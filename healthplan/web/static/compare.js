/* 地区比较: one bar chart per indicator (each region's latest value, coloured by its status, its own target
   as a marker) with the national 十四五 target as a dashed reference line only. Data comes from the page's
   <script type="application/json" id="compare-data">; nothing is loaded from elsewhere. */
(function () {
  "use strict";
  var COLORS = { achieved: "#3c9a45", on_track: "#3a7bd5", behind: "#e0a800", off_track: "#d0402b",
                 not_assessable: "#b0b6bc" };
  var src = document.getElementById("compare-data");
  var indicator = document.getElementById("cmp-indicator");
  var domain = document.getElementById("cmp-domain");
  // an indicator and a domain exclude each other: picking one clears the other
  if (indicator && domain) {
    indicator.addEventListener("change", function () { if (indicator.value) { domain.value = ""; } });
    domain.addEventListener("change", function () { if (domain.value) { indicator.value = ""; } });
  }
  if (!src || typeof echarts === "undefined") { return; }
  var data = JSON.parse(src.textContent);
  var charts = [];
  Array.prototype.forEach.call(document.querySelectorAll(".cmp-chart"), function (el) {
    var d = data[Number(el.dataset.index)];
    if (!d) { return; }
    var names = d.regions.map(function (r) { return r.name; });
    var bars = d.regions.map(function (r) {
      return { value: r.value, itemStyle: { color: COLORS[r.status] || "#888" } };
    });
    var targets = d.regions.map(function (r) { return r.target; });
    var latest = { name: el.dataset.latest, type: "bar", data: bars, barMaxWidth: 42, itemStyle: { color: "#7a8794" },
                   label: { show: true, position: "top" } };
    if (d.national && d.national.target_value !== null && d.national.target_value !== undefined) {
      latest.markLine = { symbol: "none", silent: true,
                          lineStyle: { type: "dashed", color: "#666", width: 1.5 },
                          label: { formatter: el.dataset.national + " " + d.national.target_text, position: "insideStartTop",
                                   backgroundColor: "rgba(255,255,255,0.85)", padding: [1, 4], color: "#444" },
                          data: [{ yAxis: d.national.target_value }] };
    }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [el.dataset.latest, el.dataset.target] },
      grid: { left: 50, right: 20, top: 40, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: names, axisLabel: { interval: 0 } },
      yAxis: { type: "value", name: d.unit || "", scale: false },
      series: [latest, { name: el.dataset.target, type: "scatter", data: targets, symbol: "diamond",
                         symbolSize: 13, itemStyle: { color: "#1f3b5c" } }]
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
