/* Admin: pick a reference in the "Cite a reference" box to cite it at the cursor of the Markdown
   field edited last (body by default). Next to or inside a citation group the key joins that
   group ("[@a]" becomes "[@a; @b]"), so picking works in a row never writes "[@a][@b]". */
"use strict";

// A bracketed citation group: no nested brackets, at least one "@".
const GROUP = /\[[^[\]]*@[^[\]]*\]/g;

function citeAt(text, start, end, key) {
  /* The text with @key cited at the selection [start, end), and where the cursor goes after it. */
  const cited = "@" + key;
  for (const match of text.matchAll(GROUP)) {
    const open = match.index;
    const close = open + match[0].length - 1;
    // Inside the group, or touching it on either side.
    if (start >= open && start <= close + 1 && end <= close + 1) {
      if (new RegExp("@" + key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "(?![\\w:.#$%&+?<>~/-])").test(match[0])) {
        return { text: text, cursor: close + 1 };
      }
      if (start === open) {
        return { text: text.slice(0, open + 1) + cited + "; " + text.slice(open + 1), cursor: open + 1 + cited.length };
      }
      const insert = "; " + cited;
      return { text: text.slice(0, close) + insert + text.slice(close), cursor: close + insert.length + 1 };
    }
  }
  const citation = "[" + cited + "]";
  return { text: text.slice(0, start) + citation + text.slice(end), cursor: start + citation.length };
}

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
      const result = citeAt(target.value, start, end, key);
      target.value = result.text;
      target.focus();
      target.setSelectionRange(result.cursor, result.cursor);
    }
    $(this).val(null).trigger("change");
  });
});
