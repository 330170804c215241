// outreach staff app: the little behaviour pages need (no inline script: the CSP forbids it).
(function () {
  "use strict";
  // The narrow-screen menu is a <details> (it works without script); this only closes it
  // on Escape (focus back on its summary) and on a click outside it.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = document.querySelector("details.nav-menu[open]");
    if (!menu) return;
    menu.open = false;
    menu.querySelector("summary").focus();
  });
  document.addEventListener("click", function (event) {
    var menu = document.querySelector("details.nav-menu[open]");
    if (menu && !menu.contains(event.target)) menu.open = false;
  });
  // Ask before a destructive action: <button data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var text = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (text && !window.confirm(text)) event.preventDefault();
  }, true);
  // Every HTMX request carries the CSRF token (also set by hx-headers on <body>).
  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) event.detail.headers["X-CSRF-Token"] = meta.content;
  });
})();
