/* Admin: a live preview of the page beside its Markdown body, with numbered citations.
   The body's data-preview-url names cramps.admin_preview's endpoint; the summary, rationale and
   body are posted there (with the CSRF token) a moment after the editor stops typing, and the
   HTML it answers, already sanitised by the same renderer as the page, is shown. */
"use strict";

(function () {
  const DELAY_MS = 400;
  const FIELDS = ["summary", "evidence_rationale", "body"];

  function start() {
    const body = document.querySelector("textarea#id_body[data-preview-url]");
    if (!body) return;
    const form = body.form;
    const token = form.querySelector("input[name=csrfmiddlewaretoken]");
    const pair = document.createElement("div");
    pair.className = "live-preview-pair";
    const pane = document.createElement("section");
    pane.className = "live-preview";
    pane.setAttribute("aria-label", "Live preview");
    pane.setAttribute("aria-live", "polite");
    const heading = document.createElement("h3");
    heading.textContent = "Preview";
    const content = document.createElement("div");
    content.className = "live-preview-content";
    pane.append(heading, content);
    body.parentNode.insertBefore(pair, body);
    pair.append(body, pane);

    let timer = null;
    let sent = 0;
    async function refresh() {
      const number = ++sent;
      const data = new FormData();
      data.append("csrfmiddlewaretoken", token ? token.value : "");
      for (const name of FIELDS) {
        const field = form.elements.namedItem(name);
        if (field && field.value !== undefined) data.append(name, field.value);
      }
      pane.classList.add("live-preview-busy");
      try {
        const response = await fetch(body.dataset.previewUrl, {
          method: "POST", body: data, credentials: "same-origin",
          headers: { "X-CSRFToken": token ? token.value : "" },
        });
        const text = await response.text();
        if (number !== sent) return; // a newer preview is on its way
        if (response.ok) {
          content.innerHTML = text;
        } else {
          content.textContent = "The preview is not available: " + (response.status === 400 ? text : response.statusText);
        }
      } catch (error) {
        if (number === sent) content.textContent = "The preview is not available (no connection).";
      } finally {
        if (number === sent) pane.classList.remove("live-preview-busy");
      }
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, DELAY_MS);
    }
    for (const name of FIELDS) {
      const field = form.elements.namedItem(name);
      if (field && field.addEventListener) field.addEventListener("input", later);
    }
    refresh();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
