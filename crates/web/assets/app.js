// rtbcat UI behaviour: preview dialog, filter/paging without full reloads, image fallbacks.
// Plain JS, no framework; every link and form still works without it.
(function () {
  "use strict";

  function openPreview(button) {
    var dialog = document.getElementById("preview-dialog");
    var frame = document.getElementById("preview-frame");
    if (!dialog || !frame || typeof dialog.showModal !== "function") {
      window.location.href = button.getAttribute("data-details");
      return;
    }
    var width = parseInt(button.getAttribute("data-width"), 10) || 320;
    var height = parseInt(button.getAttribute("data-height"), 10) || 250;
    var maxWidth = Math.min(window.innerWidth - 48, 1000);
    var scale = Math.min(1, maxWidth / width);
    frame.width = width;
    frame.height = height;
    frame.style.transform = scale < 1 ? "scale(" + scale + ")" : "";
    frame.parentNode.style.height = Math.ceil(height * scale) + "px";
    frame.src = button.getAttribute("data-preview");
    document.getElementById("preview-title").textContent = button.getAttribute("data-title");
    document.getElementById("preview-meta").textContent = width + " × " + height;
    document.getElementById("preview-details").href = button.getAttribute("data-details");
    dialog.returnFocusTo = button;
    dialog.showModal();
  }

  function closePreview(dialog) {
    dialog.close();
  }

  function loadResults(url, push) {
    var results = document.getElementById("creative-results");
    if (!results) { window.location.href = url; return; }
    results.classList.add("loading");
    var partial = url + (url.indexOf("?") >= 0 ? "&" : "?") + "partial=1";
    fetch(partial, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    }).then(function (html) {
      results.innerHTML = html;
      results.classList.remove("loading");
      if (push) { history.pushState({ url: url }, "", url); }
      results.scrollIntoView({ block: "start" });
    }).catch(function () { window.location.href = url; });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-preview], [data-close-preview], [data-page-link]");
    if (!target) {
      var dialog = document.getElementById("preview-dialog");
      if (dialog && event.target === dialog) { closePreview(dialog); }
      return;
    }
    if (target.hasAttribute("data-preview")) { event.preventDefault(); openPreview(target); }
    else if (target.hasAttribute("data-close-preview")) { closePreview(document.getElementById("preview-dialog")); }
    else if (target.hasAttribute("data-page-link")) { event.preventDefault(); loadResults(target.getAttribute("href"), true); }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-filters")) { return; }
    event.preventDefault();
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value !== "") { params.append(key, value); } });
    var query = params.toString();
    loadResults(form.getAttribute("action") + (query ? "?" + query : ""), true);
  });

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-filters") && event.target.tagName === "SELECT") {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });

  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (dialog.id === "preview-dialog") {
      document.getElementById("preview-frame").src = "about:blank";
      if (dialog.returnFocusTo) { dialog.returnFocusTo.focus(); }
    }
  }, true);

  // Images of real creatives live on ad servers; offline or gone, show the placeholder.
  document.addEventListener("error", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-hide-on-error")) {
      event.target.classList.add("broken");
    }
  }, true);

  window.addEventListener("popstate", function (event) {
    if (event.state && event.state.url) { loadResults(event.state.url, false); }
  });
})();

// Import page: drag and drop, upload progress, the report.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form) { return; }
  var input = document.getElementById("import-file");
  var zone = document.getElementById("drop-zone");
  var status = document.getElementById("import-status");
  var progress = document.getElementById("import-progress");
  var fileName = document.getElementById("import-file-name");
  var errorBanner = document.getElementById("import-error");

  function showName() { fileName.textContent = input.files.length ? input.files[0].name : ""; }
  function failed(message) {
    errorBanner.textContent = message;
    errorBanner.hidden = false;
    status.textContent = "";
  }
  // Creatives exports are JSON; everything else is a performance report.
  function isCreatives(file) { return /\.(json|ndjson|jsonl)$/i.test(file.name); }
  function refreshHistory() {
    fetch("/app/import?partial=history", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { document.getElementById("import-history-box").innerHTML = html; } });
  }
  input.addEventListener("change", showName);
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) { event.preventDefault(); zone.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer.files.length) { input.files = event.dataTransfer.files; showName(); }
  });

  function fact(list, label, value) {
    var dt = document.createElement("dt"); dt.textContent = label;
    var dd = document.createElement("dd"); dd.textContent = value;
    list.appendChild(dt); list.appendChild(dd);
  }

  function showCreativesReport(report) {
    var section = document.getElementById("import-report");
    var list = document.getElementById("import-summary");
    list.textContent = "";
    fact(list, "File", report.source);
    fact(list, "Recognised as", "creatives (Real-time Bidding API)");
    fact(list, "Creatives read", report.creatives.toLocaleString("en-US"));
    fact(list, "New", report.inserted.toLocaleString("en-US"));
    fact(list, "Changed", report.updated.toLocaleString("en-US"));
    fact(list, "Unchanged", report.unchanged.toLocaleString("en-US"));
    fact(list, "Seats", report.seats.join(", "));
    document.getElementById("import-errors-box").hidden = true;
    section.hidden = false;
  }

  function showReport(report) {
    var section = document.getElementById("import-report");
    var list = document.getElementById("import-summary");
    list.textContent = "";
    fact(list, "File", report.file_name);
    fact(list, "Recognised as", report.kind_label);
    fact(list, "Rows read", report.rows_read.toLocaleString("en-US"));
    fact(list, "Imported (new)", report.imported.toLocaleString("en-US"));
    fact(list, "Replaced", report.updated.toLocaleString("en-US"));
    fact(list, "Skipped", report.skipped.toLocaleString("en-US"));
    fact(list, "Warnings", report.warnings + (report.unknown_creatives.length ? " — not in the catalog yet: " + report.unknown_creatives.join(", ") : ""));
    if (report.totals_rows) { fact(list, "Totals lines ignored", report.totals_rows); }
    fact(list, "Time", (report.duration_ms / 1000).toFixed(2) + " s");
    var table = document.getElementById("import-errors");
    var body = table.querySelector("tbody");
    body.textContent = "";
    report.errors.forEach(function (error) {
      var row = document.createElement("tr");
      [error.line, error.column, error.reason].forEach(function (value) {
        var cell = document.createElement("td"); cell.textContent = value; row.appendChild(cell);
      });
      body.appendChild(row);
    });
    document.getElementById("import-errors-box").hidden = report.errors.length === 0;
    section.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errorBanner.hidden = true;
    if (!input.files.length) { failed("Choose a file first."); return; }
    var file = input.files[0];
    var creatives = isCreatives(file);
    var strict = document.getElementById("import-strict").checked;
    var request = new XMLHttpRequest();
    var data;
    if (creatives) {
      request.open("POST", form.getAttribute("data-creatives-action") + "?name=" + encodeURIComponent(file.name));
      request.setRequestHeader("Content-Type", "application/json");
      data = file;
    } else {
      request.open("POST", form.getAttribute("action") + (strict ? "?strict=true" : ""));
      data = new FormData();
      data.append("file", file);
    }
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        progress.hidden = false;
        progress.value = Math.round((e.loaded / e.total) * 100);
        status.textContent = "Uploading… " + progress.value + "%";
      }
    });
    request.upload.addEventListener("load", function () { status.textContent = "Checking and saving rows…"; });
    request.addEventListener("load", function () {
      progress.hidden = true;
      var body;
      try { body = JSON.parse(request.responseText); } catch (e) { body = { message: request.statusText }; }
      if (request.status === 200) {
        status.textContent = "Done.";
        if (creatives) { showCreativesReport(body); } else { showReport(body); }
      } else {
        var details = (body.details && body.details.errors) || [];
        var first = details.slice(0, 3).map(function (e) {
          return (e.line ? "line " + e.line + ": " : (e.index !== undefined ? "element " + e.index + ": " : "")) + (e.reason || e.message || "");
        }).join("; ");
        failed("Not imported: " + (body.message || ("HTTP " + request.status)) + (first ? " — " + first : ""));
      }
      refreshHistory();
    });
    request.addEventListener("error", function () { failed("The upload failed; check the connection and try again."); });
    document.getElementById("import-submit").disabled = true;
    request.addEventListener("loadend", function () { document.getElementById("import-submit").disabled = false; });
    request.send(data);
  });
})();

// Offer-popup admin: forms that save through the JSON API, row actions, the live preview,
// copy buttons and the playground.
(function () {
  "use strict";

  function formBody(form) {
    var body = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.disabled || field.hasAttribute("data-skip")) { return; }
      // data-item="changes" (or "arms.1"): the field belongs to an object in that list.
      var target = body;
      var group = field.getAttribute("data-item");
      if (group) {
        var parts = group.split("."), at = Number(parts[1] || 0);
        body[parts[0]] = body[parts[0]] || [];
        target = body[parts[0]][at] = body[parts[0]][at] || {};
      }
      if (field.hasAttribute("data-list")) {
        target[field.name] = target[field.name] || [];
        if (field.checked) { target[field.name].push(field.value); }
      } else if (field.hasAttribute("data-bool")) {
        target[field.name] = field.checked;
      } else if (field.hasAttribute("data-lines")) {
        target[field.name] = field.value.split(/[\n,]+/).map(function (v) { return v.trim(); }).filter(Boolean);
      } else if (field.hasAttribute("data-numbers")) {
        target[field.name] = [Number(field.value)];
      } else if (field.hasAttribute("data-number")) {
        target[field.name] = field.value === "" ? null : Number(field.value);
      } else {
        target[field.name] = field.value;
      }
    });
    return body;
  }

  // A field's label as the page shows it ("Click URL"), not its API key.
  function labelOf(field) {
    var label = field.closest("label") || field.closest(".field");
    if (!label) { return field.name; }
    var own = label.classList.contains("field") ? label.querySelector("span") : label;
    var text = "";
    Array.prototype.forEach.call(own.childNodes, function (node) {
      if (node.nodeType === 3) { text += node.textContent; }
    });
    text = text.trim();
    return text || field.name;
  }

  function fieldFor(form, name) {
    var base = String(name).replace(/\[\d+\]$/, "").replace(/^\./, "");
    var field = form.elements[base];
    if (field && typeof field.length === "number" && !field.tagName) { field = field[0]; }
    return field || null;
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), function (el) { el.textContent = ""; });
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (el) { el.removeAttribute("aria-invalid"); });
    var summary = form.querySelector("[data-form-error]");
    if (summary) { summary.hidden = true; summary.textContent = ""; }
  }

  // Every bad field gets its message and a red border; the summary names fields by
  // their labels; the first bad field takes the focus and comes into view.
  function showErrors(form, body) {
    clearErrors(form);
    var summary = form.querySelector("[data-form-error]");
    var errors = (body.details && body.details.errors) || [];
    var lines = [];
    var first = null;
    errors.forEach(function (error) {
      var field = fieldFor(form, error.field);
      var label = field ? labelOf(field) : error.field;
      lines.push(label + ": " + error.reason);
      if (!field) { return; }
      field.setAttribute("aria-invalid", "true");
      var slot = form.querySelector('[data-error-for="' + field.name + '"]');
      if (slot) { slot.textContent = error.reason; }
      if (!first) { first = field; }
    });
    if (summary) {
      summary.textContent = lines.length
        ? "Not saved. " + (lines.length === 1 ? "Check this field — " : "Check these fields — ") + lines.join("; ")
        : (body.message || "Not saved.");
      summary.hidden = false;
    }
    var target = first || summary;
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    }
  }

  function goTo(url, saved) {
    if (!url) { window.location.reload(); return; }
    if (saved) { url += (url.indexOf("?") >= 0 ? "&" : "?") + "saved=" + encodeURIComponent(saved); }
    window.location.href = url;
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-json-form]"), function (form) {
    // Our own messages, by label, instead of the browser's bubbles.
    form.noValidate = true;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      var rawField = form.getAttribute("data-raw-field");
      // A raw field's text is the body as it is (a key file), not a JSON object of fields.
      var body = rawField ? null : formBody(form);
      var action = form.getAttribute("data-action") ||
        form.getAttribute("data-action-template").replace(/\{(\w+)\}/g, function (_, key) { return encodeURIComponent(form.elements[key].value); });
      fetch(action, {
        method: form.getAttribute("data-method") || "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: rawField ? form.elements[rawField].value : JSON.stringify(body)
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (!response.ok) { showErrors(form, answer); return; }
          if (form.hasAttribute("data-show-token")) {
            clearErrors(form);
            document.getElementById("new-token-value").textContent = answer.token;
            document.getElementById("new-token").hidden = false;
            form.reset();
            return;
          }
          var savedField = form.getAttribute("data-saved-field");
          var redirectId = form.getAttribute("data-redirect-id");
          goTo(redirectId ? redirectId.replace("{id}", encodeURIComponent(answer.id)) : form.getAttribute("data-redirect"),
            form.getAttribute("data-saved-text") || (savedField && (answer[savedField] || (body && body[savedField]))) || "changes");
        });
      }).catch(function () {
        showErrors(form, { message: "Could not reach the server; nothing was saved." });
      }).then(function () { if (button) { button.disabled = false; } });
    });
  });

  // A file input fills a text field of its form with the file's text.
  Array.prototype.forEach.call(document.querySelectorAll("input[type=file][data-fill]"), function (input) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) { return; }
      file.text().then(function (text) { input.form.elements[input.getAttribute("data-fill")].value = text; });
    });
  });

  function postError(button, message) {
    var slot = button.closest("section, form, main").querySelector("[data-post-error], [data-form-error]") ||
      document.querySelector("[data-post-error]");
    if (slot) { slot.textContent = message; slot.hidden = false; slot.scrollIntoView({ block: "center" }); }
    button.disabled = false;
  }

  // Row actions: POST (pause, resume, duplicate), DELETE, PATCH with a JSON body.
  function act(button, method, url, body, after) {
    var confirmText = button.getAttribute("data-confirm");
    if (confirmText && !window.confirm(confirmText)) { return; }
    button.disabled = true;
    fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body || undefined
    }).then(function (response) {
      if (response.ok) { after(); return; }
      return response.json().catch(function () { return {}; }).then(function (answer) {
        postError(button, answer.message || ("Failed (" + response.status + ")."));
      });
    }).catch(function () { postError(button, "Could not reach the server; nothing changed."); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-post], [data-delete], [data-patch]");
    if (!button) { return; }
    if (button.hasAttribute("data-post")) {
      act(button, "POST", button.getAttribute("data-post"), button.getAttribute("data-body"), function () { window.location.reload(); });
    } else if (button.hasAttribute("data-delete")) {
      act(button, button.getAttribute("data-method") || "POST", button.getAttribute("data-delete"), null, function () {
        goTo(button.getAttribute("data-redirect"), button.getAttribute("data-saved-text"));
      });
    } else {
      act(button, "PATCH", button.getAttribute("data-patch"), button.getAttribute("data-body"), function () { window.location.reload(); });
    }
  });

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.hasAttribute || !select.hasAttribute("data-role-of")) { return; }
    act(select, "PATCH", "/api/users/" + select.getAttribute("data-role-of"), JSON.stringify({ role: select.value }), function () {
      goTo("/app/users", "role");
    });
  });

  var preview = document.getElementById("popup-preview");
  if (preview) {
    var form = document.getElementById("offer-form");
    var warning = form.querySelector("[data-image-warning]");
    var image = preview.querySelector("[data-preview-image]");
    var update = function () {
      Array.prototype.forEach.call(form.querySelectorAll("[data-preview]"), function (field) {
        var key = field.getAttribute("data-preview");
        if (key === "image") {
          if (field.value && image.getAttribute("src") !== field.value) { image.src = field.value; }
          image.hidden = !field.value;
          if (!field.value) { warning.hidden = true; }
        } else {
          var slot = preview.querySelector("[data-preview-" + key + "]");
          if (slot) { slot.textContent = field.value || (key === "cta" ? "View Offer" : ""); }
        }
      });
    };
    image.addEventListener("error", function () { warning.hidden = false; image.hidden = true; });
    image.addEventListener("load", function () { warning.hidden = true; });
    var property = document.getElementById("preview-property");
    var theme = function () {
      var option = property && property.options[property.selectedIndex];
      if (!option) { return; }
      preview.style.setProperty("--popup-primary", option.getAttribute("data-primary"));
      preview.style.setProperty("--popup-accent", option.getAttribute("data-accent"));
    };
    form.addEventListener("input", update);
    if (property) { property.addEventListener("change", theme); }
    update();
    theme();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-copy]"), function (button) {
    button.addEventListener("click", function () {
      var text = document.getElementById(button.getAttribute("data-copy")).textContent;
      if (navigator.clipboard) {
        navigator.clipboard.writeText(text).then(function () { button.textContent = "Copied"; });
      }
    });
  });

  var playground = document.getElementById("popup-playground");
  if (playground) {
    var status = document.getElementById("playground-status");
    var say = function (kind, text) { status.className = "banner banner-" + kind; status.textContent = text; };
    // What the popup script reports, said on the page (not only in the console).
    new MutationObserver(function () {
      if (document.querySelector("mode-popup")) { say("notice", "The popup is showing. Impressions and clicks here count like any other."); }
    }).observe(document.body, { childList: true });
    window.addEventListener("modepopup:none", function (event) {
      say("error", "No popup: " + (event.detail || "no offer came back") + ".");
    });
    var placement = JSON.parse(playground.getAttribute("data-options")).placement;
    if (placement === "timed") { say("notice", "Timed: the popup opens 1.5 s after the offer arrives."); }
    if (placement === "exit-intent") { say("notice", "Exit intent: after 1 s, move the pointer out through the top of the window."); }
    // popup.js is a deferred script before this one is run, so ModePopup is there.
    window.addEventListener("DOMContentLoaded", function () {
      if (window.ModePopup) { window.ModePopup.init(JSON.parse(playground.getAttribute("data-options"))); }
      else { say("error", "No popup: popup.js did not load."); }
    });
  }
})();

// The design system's behaviour: sortable tables, CSV export of a table, previews that
// fit their box.
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.children[index];
    return cell ? (cell.getAttribute("data-value") !== null ? cell.getAttribute("data-value") : cell.textContent.trim()) : "";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-sort-column]");
    if (!button) { return; }
    var th = button.closest("th");
    var table = th.closest("table");
    var index = Number(button.getAttribute("data-sort-column"));
    var numeric = button.getAttribute("data-numeric") === "true";
    // Numbers sort largest first on the first click, text A→Z.
    var current = th.getAttribute("aria-sort");
    var ascending = current === "none" ? !numeric : current === "descending";
    Array.prototype.forEach.call(table.querySelectorAll("thead th"), function (other) { other.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index), order;
      if (numeric) {
        // Empty values (no data) go last whichever the direction.
        if (x === "" || y === "") { return x === y ? 0 : (x === "" ? 1 : -1); }
        order = Number(x) - Number(y);
      } else {
        order = x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
      }
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });

  function csvField(text) {
    var safe = /^[=+\-@]/.test(text) ? "'" + text : text;
    return '"' + safe.replace(/"/g, '""') + '"';
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-export-table]");
    if (!button) { return; }
    var table = document.getElementById(button.getAttribute("data-export-table"));
    var lines = [];
    Array.prototype.forEach.call(table.rows, function (row) {
      var inHead = row.parentNode.tagName === "THEAD";
      lines.push(Array.prototype.map.call(row.cells, function (cell) {
        return csvField(inHead ? cell.textContent.trim() : (cell.getAttribute("data-value") !== null ? cell.getAttribute("data-value") : cell.textContent.trim()));
      }).join(","));
    });
    var blob = new Blob([lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = button.getAttribute("data-file") || "table.csv";
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  });

  function fitPreviews() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-fit-preview]"), function (box) {
      var frame = box.querySelector("iframe");
      var width = Number(frame.getAttribute("width")), height = Number(frame.getAttribute("height"));
      var room = box.clientWidth - 24;
      var scale = Math.min(1, room / width);
      frame.style.transform = scale < 1 ? "scale(" + scale + ")" : "";
      frame.style.transformOrigin = "top left";
      frame.style.marginLeft = scale < 1 ? "0" : "";
      box.style.height = Math.ceil(height * scale) + 24 + "px";
    });
  }
  window.addEventListener("resize", fitPreviews);

  // data-refresh="/url" data-refresh-seconds="15": the section's [data-refresh-body] is
  // fetched again on that beat while the tab is visible (the real-time view).
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-refresh]"), function (section) {
      var seconds = Math.max(5, Number(section.getAttribute("data-refresh-seconds")) || 30);
      var body = section.querySelector("[data-refresh-body]");
      setInterval(function () {
        if (document.hidden) { return; }
        fetch(section.getAttribute("data-refresh"), { credentials: "same-origin" }).then(function (response) {
          if (response.ok) { return response.text().then(function (html) { body.innerHTML = html; }); }
        }).catch(function () { /* keep the last figures; the next beat tries again */ });
      }, seconds * 1000);
    });
  });
  document.addEventListener("DOMContentLoaded", fitPreviews);
})();
