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
