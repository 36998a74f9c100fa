/* Ouderportaal: the small bits of behaviour that need JavaScript. No inline scripts (CSP). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setupMenu() {
    var toggle = document.querySelector(".menu-toggle");
    var menu = document.getElementById("hoofdmenu");
    if (!toggle || !menu) return;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
      menu.classList.toggle("open", !open);
      if (!open) {
        var first = menu.querySelector("a, button");
        if (first) first.focus();
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.classList.contains("open")) {
        toggle.setAttribute("aria-expanded", "false");
        menu.classList.remove("open");
        toggle.focus();
      }
    });
  }

  // Confirmation for destructive buttons: <button data-confirm="...">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  setupProblems();
  setupResults();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setupMenu);
  } else {
    setupMenu();
  }
  window.Portal = window.Portal || {};

  /* An htmx request that fails (an ended session, a stale page, a server error, no network)
     is never silent: one message in a live region next to the control, with the focus on
     it, and a switch or choice goes back to what is stored. The server's message (marked
     X-Portal-Problem, app/htmx.py) says why and links on (log in again, reload); without
     one (a proxy's error page, no answer at all) the message is made here. An element may
     name what failed in its own words: data-failed="Uw reactie is niet verstuurd." */
  var FALLBACK = {
    network: "Het portaal is niet bereikbaar. Controleer uw internetverbinding en probeer het opnieuw.",
    timeout: "Het portaal reageert niet. Probeer het over een paar minuten opnieuw.",
    error: "Er ging iets mis. Probeer het later nog eens.",
    session: "U bent niet meer ingelogd. Log opnieuw in; daarna komt u terug op deze pagina."
  };
  var KEPT_TEXT = "Uw tekst staat nog in het invulvak: kopieer die eerst als u hem wilt bewaren.";

  function paragraph(className, content) {
    var p = document.createElement("p");
    p.className = className;
    if (content) p.appendChild(content);
    return p;
  }

  function fallbackMessage(kind, changing) {
    var box = document.createDocumentFragment();
    var text = paragraph("problem-text");
    if (changing) {
      var headline = document.createElement("strong");
      headline.className = "problem-headline";
      headline.textContent = "Niet opgeslagen.";
      text.appendChild(headline);
      text.appendChild(document.createTextNode(" "));
    }
    text.appendChild(document.createTextNode(FALLBACK[kind]));
    box.appendChild(text);
    if (kind === "session") {
      var link = document.createElement("a");
      link.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
      link.textContent = "Opnieuw inloggen";
      box.appendChild(paragraph("problem-action", link));
    }
    return box;
  }

  // Where the message goes: in the row or group of the control that was used (a switch's
  // row, a slot, a set of choices), else at the top of the form, else after the element.
  function placeProblem(box, elt, control) {
    // The control: the button pressed (a submit's submitter, also one outside its form
    // through form="..."), else what was changed.
    var owned = control && control !== elt && (elt.contains(control) || control.form === elt);
    var from = owned ? control : elt;
    var row = from.closest("li, fieldset");
    if (row && (owned || elt.contains(row) || row.contains(elt))) {
      row.appendChild(box);
    } else if (elt.tagName === "FORM") {
      elt.insertBefore(box, elt.firstChild);
    } else {
      elt.parentNode.insertBefore(box, elt.nextSibling);
    }
  }

  // Back to the stored state: the server rendered it as the default of every control.
  function restoreStored(elt) {
    elt.querySelectorAll("input[type=checkbox], input[type=radio]").forEach(function (input) {
      input.checked = input.defaultChecked;
    });
    elt.querySelectorAll("select").forEach(function (select) {
      Array.prototype.forEach.call(select.options, function (option) { option.selected = option.defaultSelected; });
    });
  }

  function problemsOf(elt) {
    return Array.prototype.filter.call(document.querySelectorAll(".inline-problem"), function (box) {
      return !box.portalOwner || box.portalOwner === elt || !box.portalOwner.isConnected;
    });
  }

  function showProblem(detail, kind) {
    var elt = detail.elt;
    if (!elt || !elt.isConnected) return;
    var config = detail.requestConfig || {};
    var changing = (config.verb || "get").toLowerCase() !== "get";
    var xhr = detail.xhr;
    var marked = xhr && xhr.getResponseHeader && xhr.getResponseHeader("X-Portal-Problem");
    var box = document.createElement("div");
    box.className = "inline-problem";
    box.setAttribute("role", "alert");
    box.setAttribute("tabindex", "-1");
    if (marked) {
      box.innerHTML = xhr.responseText;
      kind = marked;
    } else {
      if (kind === "error" && xhr && xhr.status === 401) kind = "session";
      box.appendChild(fallbackMessage(kind, changing));
    }
    var failed = elt.closest("[data-failed]");
    var headline = box.querySelector(".problem-headline");
    if (failed && headline) headline.textContent = failed.getAttribute("data-failed");
    var typed = Array.prototype.some.call(elt.querySelectorAll("textarea"), function (area) { return area.value.trim(); });
    var action = box.querySelector(".problem-action");
    // The link leaves the page: first say that the typed text is still there to copy.
    if (typed && action) box.insertBefore(paragraph("problem-kept", document.createTextNode(KEPT_TEXT)), action);
    if (changing) restoreStored(elt);
    var old = problemsOf(elt);
    // A poll that keeps failing the same way does not pull the focus every few seconds.
    if (old.length === 1 && old[0].innerHTML === box.innerHTML) return;
    old.forEach(function (item) { item.remove(); });
    box.portalOwner = elt;
    var trigger = config.triggeringEvent;
    placeProblem(box, elt, trigger && (trigger.submitter || trigger.target));
    box.focus();
  }

  function setupProblems() {
    document.addEventListener("htmx:responseError", function (event) { showProblem(event.detail, "error"); });
    document.addEventListener("htmx:sendError", function (event) { showProblem(event.detail, "network"); });
    document.addEventListener("htmx:timeout", function (event) { showProblem(event.detail, "timeout"); });
    // Once the action works, its message goes (a swap of the form takes it along anyway).
    document.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful) problemsOf(event.detail.elt).forEach(function (box) { box.remove(); });
    });
  }

  /* After a successful htmx swap the keyboard and a screen reader learn what happened, the
     same way on every page (issue 17): the fragment marks its result. data-result: the
     element that gets the focus (a message, the new reply, the field to correct), since the
     button that had it is usually gone. data-announce="…": the sentence for the page's one
     polite live region (#portal-announcer), which exists before the swap — a live region
     that arrives with the new content is often not read at all. Without data-result the
     focus stays where htmx put it back (a switch or radio keeps its id across the swap), so
     a keyboard user can go on to the next choice. */
  function announcer() {
    var region = document.getElementById("portal-announcer");
    if (!region) {
      region = document.createElement("div");
      region.id = "portal-announcer";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    return region;
  }

  function announce(text) {
    var region = announcer();
    region.textContent = "";
    // A change of text is what is read; emptied first, the same sentence twice is read twice.
    window.setTimeout(function () { region.textContent = text; }, 60);
  }

  function firstMarked(roots, attribute) {
    for (var i = 0; i < roots.length; i++) {
      var root = roots[i];
      if (!root.isConnected || !root.querySelector) continue;
      if (root.hasAttribute(attribute)) return root;
      var found = root.querySelector("[" + attribute + "]");
      if (found) return found;
    }
    return null;
  }

  function setupResults() {
    var settled = [];
    announcer();
    // htmx fires afterSettle once per swapped element (out-of-band ones too): gather them
    // and handle the swap once.
    document.addEventListener("htmx:afterSettle", function (event) {
      settled.push(event.target);
      if (settled.length > 1) return;
      window.setTimeout(function () {
        var roots = settled;
        settled = [];
        var result = firstMarked(roots, "data-result");
        if (result) {
          if (!result.matches("a[href], button, input, select, textarea, [tabindex]")) result.setAttribute("tabindex", "-1");
          result.focus();
        }
        var told = firstMarked(roots, "data-announce");
        if (told) announce(told.getAttribute("data-announce"));
      }, 0);
    });
  }
  window.Portal.announce = announce;
})();
