/* 资源规划: the population projection and the gap by year of beds, doctors and nurses. Data comes from the
   page's <script type="application/json" id="resources-data">; nothing is loaded from elsewhere. */
(function () {
  "use strict";
  var src = document.getElementById("resources-data");
  if (!src || typeof echarts === "undefined") { return; }
  var d = JSON.parse(src.textContent);
  var charts = [];
  var base = {
    animation: false,
    tooltip: { trigger: "axis" },
    grid: { left: 20, right: 24, top: 40, bottom: 24, containLabel: true },
    xAxis: { type: "value", minInterval: 1, scale: true, axisLabel: { formatter: function (v) { return String(v); } } }
  };
  function draw(id, series, extra) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    var option = Object.assign({}, base, extra, { series: series });
    chart.setOption(option);
    charts.push(chart);
  }
  var popEl = document.getElementById("population-chart");
  if (d.population && popEl) {
    draw("population-chart", [{ name: popEl.dataset.label, type: "line", data: d.population, symbolSize: 7,
                                lineStyle: { width: 3, color: "#1f5fa8" }, itemStyle: { color: "#1f5fa8" } }],
         { legend: { top: 0 }, yAxis: { type: "value", scale: true } });
  }
  var gapEl = document.getElementById("gap-chart");
  if (d.gaps && gapEl) {
    var colors = ["#c0392b", "#1f5fa8", "#3c9a45"];
    var series = Object.keys(d.gaps).map(function (name, i) {
      return { name: name, type: "line", data: d.gaps[name], symbolSize: 7,
               lineStyle: { width: 2, color: colors[i % 3] }, itemStyle: { color: colors[i % 3] } };
    });
    draw("gap-chart", series, { legend: { top: 0 }, yAxis: { type: "value", name: gapEl.dataset.label } });
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
