/* Oudergesprekken: a double meeting highlights a slot together with the next one, a click
   anywhere on a free slot books it (after a swap the message gets the focus: portal.js, data-result).
   No inline scripts (CSP); everything is delegated, so it keeps working after htmx swaps. */
(function () {
  "use strict";

  function rowsFrom(row) {
    var list = row.closest(".slot-list");
    var needed = parseInt((list && list.getAttribute("data-slots-needed")) || "1", 10);
    var rows = [];
    for (var item = row; item && rows.length < needed; item = item.nextElementSibling) {
      rows.push(item);
    }
    return rows;
  }

  function clearHighlight() {
    var lit = document.querySelectorAll(".slot.is-highlighted");
    for (var i = 0; i < lit.length; i++) lit[i].classList.remove("is-highlighted");
  }

  function highlight(target) {
    var row = target && target.closest ? target.closest(".slot-free") : null;
    clearHighlight();
    if (!row || !row.querySelector(".slot-book")) return;
    var rows = rowsFrom(row);
    for (var i = 0; i < rows.length; i++) rows[i].classList.add("is-highlighted");
  }

  document.addEventListener("mouseover", function (event) { highlight(event.target); });
  document.addEventListener("focusin", function (event) { highlight(event.target); });
  document.addEventListener("mouseleave", clearHighlight);

  // The whole row of a free slot is the click target, as in the manual ("klik").
  document.addEventListener("click", function (event) {
    var row = event.target.closest && event.target.closest(".slot-free");
    if (!row || event.target.closest("button, a, input")) return;
    var button = row.querySelector(".slot-book");
    if (button) button.click();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  /* A touch screen has no hover: the first tap on a slot of a double meeting shows what
     would be booked (both slots lit, the button says "Reserveer 10:30–10:50"), the second
     tap books. A mouse or the keyboard books at once (they saw the highlight already). */
  var lastPointer = "";
  document.addEventListener("pointerdown", function (event) { lastPointer = event.pointerType; }, true);

  function clearPreview() {
    var shown = document.querySelectorAll(".slot-book.is-preview");
    for (var i = 0; i < shown.length; i++) {
      shown[i].classList.remove("is-preview");
      shown[i].textContent = "Reserveren mogelijk";
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".slot-book[data-preview]");
    if (!button) {
      if (lastPointer === "touch" && !(event.target.closest && event.target.closest(".slot-free"))) {
        clearPreview();
        clearHighlight();
      }
      return;
    }
    if (lastPointer !== "touch" || button.classList.contains("is-preview")) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    clearPreview();
    highlight(button);
    button.classList.add("is-preview");
    button.textContent = "Reserveer " + button.getAttribute("data-preview");
    if (window.Portal && window.Portal.announce) {
      window.Portal.announce("Tik nog een keer om " + button.getAttribute("data-preview") + " te reserveren.");
    }
  }, true);
})();
