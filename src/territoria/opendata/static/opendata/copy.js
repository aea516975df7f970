/* "Copy" buttons next to read-only fields: <button data-copy="field-id" hidden>. Shown only
   when this script runs (the field stays selectable without it); no inline script (CSP). */
(function () {
  "use strict";
  function reveal(root) {
    root.querySelectorAll("button[data-copy][hidden]").forEach(function (button) {
      button.hidden = false;
    });
  }
  function announce(button) {
    var status = document.getElementById("copy-status");
    if (status) { status.textContent = button.dataset.copied || ""; }
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    var field = document.getElementById(button.dataset.copy);
    if (!field) { return; }
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { announce(button); });
    } else if (document.execCommand("copy")) {
      announce(button);
    }
  });
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSettle", function (event) { reveal(event.target); });
}());
