// The main menu on a phone: folded behind the "Menu" button (aria-expanded says whether it
// is open). Without this script the button stays hidden and the menu is simply shown.
(function () {
  "use strict";
  function start() {
    var button = document.querySelector(".menu-toggle");
    var menu = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) return;
    // The width below which the menu folds: core/territoria.css shows the button there.
    var phone = window.matchMedia("(max-width: 47.99rem)");

    function show(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("is-folded", !open);
    }

    button.hidden = false;
    show(!phone.matches);
    button.addEventListener("click", function () {
      show(button.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and gives the focus back to its button.
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && phone.matches && button.getAttribute("aria-expanded") === "true") {
        show(false);
        button.focus();
      }
    });
    // Turning a tablet or widening a window: the wide layout always shows the menu.
    phone.addEventListener("change", function () {
      show(!phone.matches);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
