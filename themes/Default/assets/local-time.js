// Times are sent in UTC (<time datetime="2026-12-04T18:50:12Z">); each is shown in the reader's own time zone and
// language, with the UTC moment on hover. Rows added later (the live job log) are formatted as they arrive.
(function () {
  "use strict";
  // The page's language, in the reader's own regional form of it when the browser has one (de-AT, en-US).
  var page = document.documentElement.lang || "en";
  var browser = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ""]);
  var lang = browser.filter(function (l) { return l && l.toLowerCase().split("-")[0] === page; })[0] || page;
  var withSeconds = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  // A day is a calendar day, the same everywhere: shown as it is, not moved into another zone.
  var dayOnly = new Intl.DateTimeFormat(lang, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });

  function format(element) {
    var value = element.getAttribute("datetime");
    if (!value || element.dataset.localised === value) { return; }
    var moment = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?Z)?$/.test(value) ? new Date(value) : null;
    if (!moment || isNaN(moment.getTime())) { return; }
    element.textContent = value.length <= 10 ? dayOnly.format(moment) : withSeconds.format(moment);
    element.title = value.length <= 10 ? value : value.replace("T", " ").replace("Z", " UTC");
    element.dataset.localised = value;
  }

  function formatAll(root) {
    if (root.matches && root.matches("time[datetime]")) { format(root); }
    if (root.querySelectorAll) { root.querySelectorAll("time[datetime]").forEach(format); }
  }

  formatAll(document);
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      if (change.type === "attributes") { format(change.target); }
      change.addedNodes.forEach(function (node) { if (node.nodeType === 1) { formatAll(node); } });
    });
  }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["datetime"] });
})();
