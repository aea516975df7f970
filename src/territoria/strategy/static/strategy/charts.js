/* Draws the Plotly figures whose JSON the page carries in <script type="application/json">.
   No inline script (the CSP forbids it); charts in HTMX fragments are drawn when they settle.
   Plotly (1.2 MB of JavaScript to parse) is fetched only once the page has loaded, so that
   the page, with the table beside each chart, shows first; the charts follow. */
(function () {
  "use strict";
  var source = document.currentScript && document.currentScript.dataset.plotly;
  var waiting = null;

  function withPlotly(then) {
    if (typeof Plotly !== "undefined") { then(); return; }
    if (waiting === null) {
      waiting = [];
      var script = document.createElement("script");
      script.src = source;
      script.onload = function () { waiting.forEach(function (next) { next(); }); };
      document.head.appendChild(script);
    }
    waiting.push(then);
  }

  function draw(root) {
    var pending = Array.prototype.filter.call(
      root.querySelectorAll("[data-chart]"), function (element) { return !element.dataset.drawn; }
    );
    if (!pending.length || !source) { return; }
    withPlotly(function () {
      pending.forEach(function (element) {
        if (element.dataset.drawn) { return; }
        var data = document.getElementById(element.dataset.chart);
        if (!data) { return; }
        var figure = JSON.parse(data.textContent);
        Plotly.newPlot(element, figure.data, figure.layout, {
          displayModeBar: false, responsive: true
        });
        element.dataset.drawn = "1";
      });
    });
  }

  if (document.readyState === "complete") {
    draw(document);
  } else {
    window.addEventListener("load", function () { draw(document); });
  }
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
}());
