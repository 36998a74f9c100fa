/* Fotoalbums: the arrow keys leaf through the photos (the links work without this). */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    var rel = event.key === "ArrowLeft" ? "prev" : event.key === "ArrowRight" ? "next" : null;
    if (!rel) return;
    var link = document.querySelector('.photo-nav a[rel="' + rel + '"]');
    if (link) {
      event.preventDefault();
      window.location.href = link.href;
    }
  });
})();

/* Leerlingen markeren (Beheer): "Alle foto's kiezen", and after an htmx swap the keyboard
   focus goes to the message that says what happened (the button that had it is gone). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var all = event.target.closest && event.target.closest("[data-select-all]");
    if (!all) return;
    var form = all.closest("form");
    var boxes = form ? form.querySelectorAll('input[type=checkbox][name="' + all.getAttribute("data-select-all") + '"]') : [];
    for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "markeren") return;
    var section = document.getElementById("markeren");
    var focus = section && (section.querySelector(".tagging-status") || section.querySelector("h2"));
    if (focus) {
      if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
      focus.focus();
    }
  });
})();
