/* Kiosk setup: keeps the device token from the setup link (#token=...) in localStorage, takes
 * it out of the address and opens the kiosk. The message for a link without a token is the
 * status element's data-no-token (in the page's language). */
(function () {
  "use strict";
  var match = /token=([^&]+)/.exec(location.hash);
  var status = document.getElementById("setup-status");
  if (!match) { status.textContent = status.dataset.noToken; return; }
  localStorage.setItem("tanggap.kiosk.token", decodeURIComponent(match[1]));
  localStorage.removeItem("tanggap.kiosk.config");
  history.replaceState(null, "", location.pathname);
  location.replace("/kiosk");
})();
