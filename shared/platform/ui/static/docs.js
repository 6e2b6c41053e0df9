/* Starts Swagger UI on the /docs page with the settings the page carries as a JSON data block
 * (a file, not an inline script: the page's Content-Security-Policy runs no inline script). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("swagger-ui-config").textContent);
  window.addEventListener("load", function () { window.ui = SwaggerUIBundle(config); });
})();
