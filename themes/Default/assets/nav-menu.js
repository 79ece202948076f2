// The administration menu of the top bar is a <details>: it opens and closes by itself with the mouse and the keyboard.
// This closes it when the reader clicks elsewhere or presses Escape (focus goes back to its summary).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-nav-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.open = false; }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details[data-nav-menu][open]").forEach(function (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary) { summary.focus(); }
    });
  });
})();
