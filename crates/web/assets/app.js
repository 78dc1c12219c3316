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

  function showName() { fileName.textContent = input.files.length ? input.files[0].name : ""; }
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

  function showReport(report) {
    var section = document.getElementById("import-report");
    var list = document.getElementById("import-summary");
    list.textContent = "";
    fact(list, "File", report.file_name);
    fact(list, "Recognised as", report.kind_label);
    fact(list, "Rows read", report.rows_read);
    fact(list, "Imported (new)", report.imported);
    fact(list, "Replaced", report.updated);
    fact(list, "Skipped", report.skipped);
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
    table.hidden = report.errors.length === 0;
    section.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!input.files.length) { status.textContent = "Choose a file first."; return; }
    var data = new FormData();
    data.append("file", input.files[0]);
    var strict = document.getElementById("import-strict").checked;
    var request = new XMLHttpRequest();
    request.open("POST", form.getAttribute("action") + (strict ? "?strict=true" : ""));
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
        showReport(body);
      } else {
        status.textContent = "Not imported: " + (body.message || request.status);
      }
    });
    request.addEventListener("error", function () { status.textContent = "The upload failed; check the connection and try again."; });
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
      if (!field.name || field.disabled) { return; }
      if (field.hasAttribute("data-list")) {
        body[field.name] = body[field.name] || [];
        if (field.checked) { body[field.name].push(field.value); }
      } else if (field.hasAttribute("data-bool")) {
        body[field.name] = field.checked;
      } else if (field.hasAttribute("data-lines")) {
        body[field.name] = field.value.split(/[\n,]+/).map(function (v) { return v.trim(); }).filter(Boolean);
      } else if (field.hasAttribute("data-number")) {
        body[field.name] = field.value === "" ? null : Number(field.value);
      } else {
        body[field.name] = field.value;
      }
    });
    return body;
  }

  function showErrors(form, body) {
    var summary = form.querySelector("[data-form-error]");
    Array.prototype.forEach.call(form.querySelectorAll("[data-error-for]"), function (el) { el.textContent = ""; });
    var errors = (body.details && body.details.errors) || [];
    errors.forEach(function (error) {
      var slot = form.querySelector('[data-error-for="' + error.field + '"]') ||
        form.querySelector('[data-error-for="' + String(error.field).replace(/\[\d+\]$/, "") + '"]');
      if (slot) { slot.textContent = error.reason; }
    });
    if (summary) {
      summary.textContent = body.message || "Not saved.";
      summary.hidden = false;
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-json-form]"), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      fetch(form.getAttribute("data-action"), {
        method: form.getAttribute("data-method") || "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(formBody(form))
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) { window.location.href = form.getAttribute("data-redirect") || window.location.href; }
          else { showErrors(form, body); }
        });
      }).catch(function () {
        showErrors(form, { message: "Could not reach the server; nothing was saved." });
      }).then(function () { if (button) { button.disabled = false; } });
    });
  });

  Array.prototype.forEach.call(document.querySelectorAll("[data-post]"), function (button) {
    button.addEventListener("click", function () {
      button.disabled = true;
      fetch(button.getAttribute("data-post"), { method: "POST", credentials: "same-origin" }).then(function (response) {
        if (response.ok) { window.location.reload(); return; }
        return response.json().then(function (body) {
          var slot = document.querySelector("[data-post-error]");
          if (slot) { slot.textContent = body.message || "Failed."; slot.hidden = false; }
          button.disabled = false;
        });
      });
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
    // popup.js is a deferred script before this one is run, so ModePopup is there.
    window.addEventListener("DOMContentLoaded", function () {
      if (window.ModePopup) { window.ModePopup.init(JSON.parse(playground.getAttribute("data-options"))); }
    });
  }
})();
