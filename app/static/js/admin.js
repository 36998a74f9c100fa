/* Beheer (office): after an htmx swap of a section, put the keyboard focus back in it. */
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || !target.id) return;
    var swapped = document.getElementById(target.id);
    if (!swapped || swapped.tagName !== "SECTION") return;
    var focus = swapped.querySelector("[role=alert], [role=status], h2");
    if (focus) {
      if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
      focus.focus();
    }
  });
})();
