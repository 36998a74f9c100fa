/* Mijn account, Mijn kinderen: the "+" photo button uploads as soon as a file is chosen.
   Without JavaScript the "Uploaden" button does the same. (422 answers are swapped by the
   htmx-config in base.html.) */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("input[type=file][data-autosubmit]") && input.files.length) {
      input.form.submit();
    }
  });
})();
