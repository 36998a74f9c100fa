/* Agenda: a "Link kopiëren" button for the private calendar address (works without it too). */
(function () {
  "use strict";

  function setup(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      if (!navigator.clipboard || button.dataset.ready) return;
      button.dataset.ready = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.querySelector(button.getAttribute("data-copy"));
        if (!input) return;
        navigator.clipboard.writeText(input.value).then(function () {
          button.textContent = "Gekopieerd";
        });
      });
    });
  }

  function init() {
    setup(document);
    // The feed section is swapped by htmx after renewal.
    document.body.addEventListener("htmx:afterSwap", function () { setup(document); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
