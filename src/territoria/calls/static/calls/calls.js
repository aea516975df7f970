/* Pages of the calls. No inline script (Content-Security-Policy: script-src 'self').

   1. The error summary of a refused form takes the focus, so that it is read first.
   2. The evaluator's score sheet shows the weighted score as scores are chosen, computed
      exactly as the server does (calls.services.evaluation.weighted): the sum of
      weight × score over the sum of the weights, rounded half up to two decimals, and
      only once every criterion has a score. Whole numbers only (weights in hundredths,
      scores in hundredths), so that no floating-point rounding can differ. */
(function () {
  "use strict";

  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }

  var sheet = document.getElementById("score-sheet");
  var output = document.getElementById("weighted-score");
  if (!sheet || !output) { return; }
  var value = output.querySelector("[data-weighted-value]");
  var missing = output.querySelector("[data-weighted-missing]");

  // "2.5" → 250, "0.75" → 75, "3" → 300: a decimal written with a dot, in hundredths.
  function hundredths(text) {
    var parts = String(text).trim().split(".");
    if (!/^\d+$/.test(parts[0]) || parts.length > 2 || !/^\d*$/.test(parts[1] || "")) {
      return null;
    }
    return parseInt(parts[0], 10) * 100 + parseInt(((parts[1] || "") + "00").slice(0, 2), 10);
  }

  // The weighted mean in hundredths, rounded half up; null while a score is missing.
  function weighted() {
    var numerator = 0;
    var denominator = 0;
    var selects = sheet.querySelectorAll("select[data-weight]");
    for (var i = 0; i < selects.length; i += 1) {
      var weight = hundredths(selects[i].dataset.weight);
      var score = hundredths(selects[i].value);
      if (weight === null || score === null || selects[i].value === "") { return null; }
      numerator += weight * score;
      denominator += weight;
    }
    if (!selects.length || !denominator) { return null; }
    var twice = 2 * numerator + denominator;
    return (twice - (twice % (2 * denominator))) / (2 * denominator);
  }

  function written(amount) {
    var cents = String(amount % 100);
    return Math.floor(amount / 100) + (output.dataset.decimal || ".") + (cents.length < 2 ? "0" + cents : cents);
  }

  function update() {
    var result = weighted();
    var text = result === null ? "—" : written(result);
    if (value.textContent !== text) { value.textContent = text; }
    if (missing) { missing.hidden = result !== null; }
  }

  sheet.addEventListener("change", function (event) {
    if (event.target.matches("select[data-weight]")) { update(); }
  });
  update();  // a browser may have restored choices made before going back to the page
}());
