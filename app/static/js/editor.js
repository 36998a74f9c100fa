/* Beheer's text editor (templates/_macros/editor.html): the Vet, Cursief, Lijst and Link
   buttons put the formatting around the selection, so a teacher never types Markdown
   signs; Ctrl+B and Ctrl+I do the same from the keyboard. The preview itself is an htmx
   request (the server renders it as parents see it); portal.js moves the focus to it and
   announces it. Without this script the buttons stay hidden and the textarea is plain. */
(function () {
  "use strict";

  var PLACEHOLDERS = { bold: "vetgedrukte tekst", italic: "cursieve tekst", list: "eerste punt", link: "tekst van de link" };

  function linesOf(text) {
    return text.split("\n").map(function (line) { return /^\s*- /.test(line) || !line.trim() ? line : "- " + line; });
  }

  /* A list starts on a line of its own, after an empty line unless it goes on a list
     (Markdown reads "- " straight under a sentence as part of that sentence). */
  function listGap(text) {
    if (!text || /\n\n$/.test(text)) return "";
    var lines = text.split("\n");
    var last = text.endsWith("\n") ? lines[lines.length - 2] : lines[lines.length - 1];
    if (/^\s*- /.test(last)) return text.endsWith("\n") ? "" : "\n";
    return text.endsWith("\n") ? "\n" : "\n\n";
  }

  /* The new text for the selection and which part of it to select afterwards. */
  function format(kind, selected) {
    var text = selected || PLACEHOLDERS[kind];
    if (kind === "bold") return { text: "**" + text + "**", from: 2, to: 2 + text.length };
    if (kind === "italic") return { text: "*" + text + "*", from: 1, to: 1 + text.length };
    if (kind === "list") {
      var list = linesOf(text).join("\n");
      return { text: list, from: selected ? 0 : 2, to: list.length };
    }
    var url = "https://";
    var link = "[" + text + "](" + url + ")";
    return { text: link, from: text.length + 3, to: text.length + 3 + url.length };
  }

  function apply(area, kind) {
    var start = area.selectionStart, end = area.selectionEnd;
    var selected = area.value.slice(start, end);
    var result = format(kind, selected);
    var before = kind === "list" ? listGap(area.value.slice(0, start)) : "";
    area.focus();
    area.setRangeText(before + result.text, start, end, "end");
    area.setSelectionRange(start + before.length + result.from, start + before.length + result.to);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-markdown]");
    if (!button) return;
    var area = document.getElementById(button.getAttribute("aria-controls"));
    if (area) apply(area, button.getAttribute("data-markdown"));
  });

  document.addEventListener("keydown", function (event) {
    var area = event.target;
    if (!(event.ctrlKey || event.metaKey) || event.altKey || !area.matches || !area.matches(".editor textarea")) return;
    var kind = { b: "bold", i: "italic" }[event.key.toLowerCase()];
    if (!kind) return;
    event.preventDefault();
    apply(area, kind);
  });

  function reveal() {
    document.querySelectorAll("[data-editor-for][hidden]").forEach(function (part) { part.hidden = false; });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", reveal);
  else reveal();
})();
