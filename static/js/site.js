// Progressive enhancement only: every page works without this script.
(function () {
  "use strict";
  // Selects marked data-autosubmit submit their form on change; the form
  // keeps its own button for keyboard and no-script users.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.submit(); }
    });
  });
  // On small screens the filter panel starts closed.
  if (window.matchMedia && window.matchMedia("(max-width: 50rem)").matches) {
    document.querySelectorAll("details[data-collapse-small]").forEach(function (panel) {
      panel.removeAttribute("open");
    });
  }
})();
