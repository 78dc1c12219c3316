// Starts Swagger UI on /docs (a file of ours, so the page needs no inline script).
window.addEventListener("load", function () {
  "use strict";
  window.ui = window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
});
