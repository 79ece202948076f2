// Capacity meters: the bar's width comes from data-meter (percent). Set here because the portal's
// Content-Security-Policy allows no inline style attributes.
(function () {
  "use strict";
  document.querySelectorAll(".meter > [data-meter]").forEach(function (bar) {
    var value = parseFloat(bar.getAttribute("data-meter"));
    if (isFinite(value)) { bar.style.setProperty("--value", Math.max(0, Math.min(100, value)) + "%"); }
  });
})();
