// A table wider than its card scrolls sideways; keyboard users reach the scrolling by focusing it, so a table that
// scrolls becomes a focusable, named region (and stops being one when the window grows and it fits again).
(function () {
  "use strict";
  function label(wrap) {
    var card = wrap.closest("section, .card");
    var heading = card && card.querySelector("h2, h1");
    return heading ? heading.textContent.trim() : vcoreText("Table");
  }

  function update() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.tabIndex = 0;
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", label(wrap) + " (scrolls sideways)");
      } else if (wrap.hasAttribute("tabindex")) {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }

  update();
  window.addEventListener("resize", update);
  new MutationObserver(update).observe(document.body, { childList: true, subtree: true });
})();
