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
