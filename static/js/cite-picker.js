/* Admin: pick a reference in the "Cite a reference" box to type [@key] at the cursor of the
   Markdown field edited last (body by default). */
"use strict";
window.addEventListener("load", function () {
  const $ = window.django && window.django.jQuery;
  if (!$) return;
  let target = document.querySelector("textarea[name=body]");
  document.addEventListener("focusin", function (event) {
    if (event.target.matches("textarea, input[type=text]") && !event.target.closest(".select2")) {
      target = event.target;
    }
  });
  $(document).on("select2:select", "select.cite-picker", function (event) {
    const key = String(event.params.data.text).split(":")[0].trim();
    if (target && key) {
      const start = target.selectionStart ?? target.value.length;
      const end = target.selectionEnd ?? start;
      const citation = "[@" + key + "]";
      target.value = target.value.slice(0, start) + citation + target.value.slice(end);
      target.focus();
      target.setSelectionRange(start + citation.length, start + citation.length);
    }
    $(this).val(null).trigger("change");
  });
});
