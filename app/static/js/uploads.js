/* Uploads with progress, as people upload from a phone (slow, many large photos).

   <form data-photo-upload>: album photos, each sent on its own request (XMLHttpRequest:
   fetch reports no upload progress; and no htmx, whose 30 s timeout would cut a photo on a
   slow line) to the URL in data-upload-url, with a progress bar per file and one for the
   whole. A refused file refuses only itself; the summary lists them with the reason. On
   the new-album form (data-create) the details go first, the album is made without photos
   (fotos_los=1) and the answer names where the photos go.

   <form data-upload-progress>: one request (a document, the CSV import) with a progress
   bar; the page that comes back replaces this one's content.

   Without JavaScript both are ordinary multipart forms; the server handles them the same. */
(function () {
  "use strict";

  var MESSAGES = {
    network: "De verbinding met het portaal is weggevallen. Controleer uw internetverbinding en probeer het opnieuw.",
    session: "U bent niet meer ingelogd. Log opnieuw in en kies de foto's daarna opnieuw.",
    expired: "Het formulier is verlopen. Laad de pagina opnieuw en probeer het nog eens.",
    tooLarge: "Dit bestand is te groot om te versturen.",
    error: "Er ging iets mis bij het versturen. Probeer het later nog eens."
  };

  function photosAdded(count) {
    return count === 1 ? "1 foto toegevoegd" : count + " foto's toegevoegd";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function sizeText(bytes) {
    var mb = bytes / (1024 * 1024);
    return mb >= 1 ? mb.toFixed(1).replace(".", ",") + " MB" : Math.max(1, Math.round(bytes / 1024)) + " kB";
  }

  function answer(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("application/json") === 0) {
      try { return JSON.parse(xhr.responseText); } catch (e) { return {}; }
    }
    return null;
  }

  // Why a request failed, in words (the server's own when it gave them).
  function failure(xhr, data) {
    if (data && data.error) return data.error;
    if (xhr.status === 0) return MESSAGES.network;
    if (xhr.status === 401 || /\/login/.test(xhr.responseURL || "")) return MESSAGES.session;
    if (xhr.status === 400) return MESSAGES.expired;
    if (xhr.status === 413) return MESSAGES.tooLarge;
    return MESSAGES.error;
  }

  function send(url, body, onProgress, done) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener("load", function () { done(xhr); });
    xhr.addEventListener("error", function () { done(xhr); });
    xhr.addEventListener("abort", function () { done(xhr); });
    xhr.send(body);
  }

  function bar(label) {
    var progress = element("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", label);
    return progress;
  }

  // The board that shows what happens: one row per file and the total, in a live region.
  function board(form, files) {
    var old = form.querySelector(".upload-board");
    if (old) old.remove();
    var box = element("div", "upload-board");
    var total = element("p", "upload-total");
    var totalBar = bar("Totaal verstuurd");
    var totalText = element("span", "upload-total-text", "0 van " + files.length + " verstuurd");
    totalText.setAttribute("aria-live", "polite");
    total.appendChild(totalBar);
    total.appendChild(totalText);
    box.appendChild(total);
    var list = element("ol", "upload-list");
    var rows = files.map(function (file) {
      var row = element("li", "upload-row");
      row.appendChild(element("span", "upload-name", file.name + " (" + sizeText(file.size) + ")"));
      var progress = bar("Voortgang van " + file.name);
      row.appendChild(progress);
      var state = element("span", "upload-state", "wacht");
      row.appendChild(state);
      list.appendChild(row);
      return { row: row, bar: progress, state: state };
    });
    box.appendChild(list);
    var summary = element("div", "upload-summary");
    summary.setAttribute("role", "status");
    summary.setAttribute("tabindex", "-1");
    box.appendChild(summary);
    var button = form.querySelector("button[type=submit]");
    form.insertBefore(box, button ? button.parentNode === form ? button : button.parentNode : null);
    return { rows: rows, totalBar: totalBar, totalText: totalText, summary: summary };
  }

  function setBusy(form, busy) {
    form.setAttribute("aria-busy", busy ? "true" : "false");
    form.querySelectorAll("button[type=submit]").forEach(function (button) { button.disabled = busy; });
  }

  // A page the server answered (a form with its problems): its content replaces ours.
  function showPage(xhr) {
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var fresh = doc.querySelector("main");
    var main = document.querySelector("main");
    if (!fresh || !main) { document.location.reload(); return; }
    doc.querySelectorAll('head link[rel="stylesheet"]').forEach(function (link) {
      if (!document.querySelector('link[rel="stylesheet"][href="' + link.getAttribute("href") + '"]')) {
        document.head.appendChild(link.cloneNode(true));
      }
    });
    if (doc.title) document.title = doc.title;
    main.replaceWith(fresh);
    if (xhr.responseURL && xhr.responseURL !== location.href) history.replaceState(null, "", xhr.responseURL);
    if (window.htmx) window.htmx.process(fresh);
    var focus = [".error-summary", ".flash", "[role=alert]", "h1"].reduce(function (found, selector) {
      return found || fresh.querySelector(selector);
    }, null) || fresh;
    if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
    focus.focus();
  }

  function summarise(view, added, refused, stopped, albumUrl) {
    var summary = view.summary;
    summary.textContent = "";
    var head = element("p", "upload-done", added ? photosAdded(added).replace(/^./, function (c) { return c.toUpperCase(); }) + "." : "Er is geen foto toegevoegd.");
    summary.appendChild(head);
    if (refused.length) {
      summary.appendChild(element("p", "upload-refused-head", refused.length === 1 ? "Dit bestand is niet toegevoegd:" : "Deze bestanden zijn niet toegevoegd:"));
      var list = element("ul", "upload-problems");
      refused.forEach(function (item) {
        var li = element("li");
        li.appendChild(element("strong", "", item.name));
        li.appendChild(document.createTextNode(": " + item.reason));
        list.appendChild(li);
      });
      summary.appendChild(list);
    }
    if (stopped) summary.appendChild(element("p", "upload-stopped", stopped));
    if (albumUrl) {
      var link = element("a", "", "Naar het album");
      link.href = albumUrl;
      summary.appendChild(element("p", "")).appendChild(link);
    }
    summary.focus();
  }

  function uploadPhotos(form, files, uploadUrl, albumUrl) {
    var view = board(form, files);
    var token = form.querySelector("input[name=csrf_token]");
    var childInputs = form.querySelectorAll('input[type=checkbox][name="children"]:checked');
    var totalBytes = files.reduce(function (sum, file) { return sum + file.size; }, 0) || 1;
    var sentBytes = 0, added = 0, refused = [];
    function next(index) {
      view.totalText.textContent = index + " van " + files.length + " verstuurd";
      if (index >= files.length) {
        setBusy(form, false);
        summarise(view, added, refused, null, albumUrl);
        return;
      }
      var file = files[index], row = view.rows[index];
      var body = new FormData();
      if (token) body.append("csrf_token", token.value);
      childInputs.forEach(function (input) { body.append("children", input.value); });
      body.append("photo", file, file.name);
      row.state.textContent = "bezig";
      send(uploadUrl, body, function (loaded, total) {
        row.bar.value = Math.round(loaded / total * 100);
        view.totalBar.value = Math.round((sentBytes + file.size * loaded / total) / totalBytes * 100);
      }, function (xhr) {
        var data = answer(xhr);
        sentBytes += file.size;
        row.bar.value = 100;
        view.totalBar.value = Math.round(sentBytes / totalBytes * 100);
        if (xhr.status === 201) {
          added += 1;
          row.state.textContent = "toegevoegd";
          row.row.classList.add("upload-ok");
          next(index + 1);
        } else if (xhr.status === 422 && data) {
          refused.push({ name: data.name || file.name, reason: data.error });
          row.state.textContent = "geweigerd: " + data.error;
          row.row.classList.add("upload-refused");
          next(index + 1);
        } else {  // the store, the session or the line is gone: the rest would fail too
          row.state.textContent = "niet verstuurd";
          setBusy(form, false);
          summarise(view, added, refused, failure(xhr, data), albumUrl);
        }
      });
    }
    next(0);
  }

  function photoUpload(form, input) {
    var files = Array.prototype.slice.call(input.files);
    setBusy(form, true);
    if (!form.hasAttribute("data-create")) {
      uploadPhotos(form, files, form.getAttribute("data-upload-url"), null);
      return;
    }
    var details = new FormData(form);
    details.delete(input.name);
    details.set("fotos_los", "1");
    send(form.action || location.href, details, function () {}, function (xhr) {
      var data = answer(xhr);
      if (xhr.status === 201 && data && data.upload_url) {
        uploadPhotos(form, files, data.upload_url, data.album_url);
      } else if (xhr.status === 422 && !data) {
        showPage(xhr);  // the details have problems: the form comes back with them
      } else {
        setBusy(form, false);
        var view = board(form, []);
        summarise(view, 0, [], failure(xhr, data), null);
      }
    });
  }

  function formUpload(form) {
    setBusy(form, true);
    var view = board(form, []);
    view.totalText.textContent = "Bezig met versturen…";
    send(form.action || location.href, new FormData(form), function (loaded, total) {
      view.totalBar.value = Math.round(loaded / total * 100);
      view.totalText.textContent = Math.round(loaded / total * 100) + "% verstuurd";
    }, function (xhr) {
      if (xhr.status === 0 || xhr.status >= 500 || xhr.status === 413) {
        setBusy(form, false);
        view.totalText.textContent = failure(xhr, null);
        return;
      }
      view.totalBar.value = 100;
      showPage(xhr);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.FormData || !window.DOMParser || event.defaultPrevented) return;
    if (form.hasAttribute("data-photo-upload")) {
      var input = form.querySelector("input[type=file]");
      if (!input || !input.files || !input.files.length) return;  // the server says: choose photos
      event.preventDefault();
      photoUpload(form, input);
    } else if (form.hasAttribute("data-upload-progress")) {
      event.preventDefault();
      formUpload(form);
    }
  });
})();
