/* Citations for readers: tapping or hovering a citation number shows its reference in a popover
   (with a link to the reference list), and the list's back-link returns to the very number the
   reader followed. Without this script the numbers are plain links to the list and back.
   No inline styles: the popover is placed through the CSSOM, which a CSP allows. */
"use strict";
(function () {
  const HOVER_DELAY = 250;
  const triggers = Array.from(document.querySelectorAll('a.cite-ref[href^="#ref-"]'));
  if (!triggers.length) return;

  const popover = document.createElement("div");
  popover.className = "cite-popover";
  popover.id = "cite-popover";
  popover.setAttribute("role", "dialog");
  popover.setAttribute("tabindex", "-1");
  popover.hidden = true;
  const heading = document.createElement("p");
  heading.className = "cite-popover-heading";
  heading.id = "cite-popover-heading";
  popover.setAttribute("aria-labelledby", heading.id);
  const body = document.createElement("div");
  body.className = "cite-popover-body";
  const actions = document.createElement("p");
  actions.className = "cite-popover-actions";
  const toList = document.createElement("a");
  toList.className = "cite-popover-list";
  toList.textContent = "Show in the reference list";
  const close = document.createElement("button");
  close.type = "button";
  close.className = "cite-popover-close";
  close.setAttribute("aria-label", "Close");
  close.textContent = "×";
  actions.append(toList, close);
  popover.append(heading, body, actions);
  document.body.append(popover);

  let current = null; // the citation link the popover belongs to
  let byHover = false;
  let hoverTimer = null;

  function entryFor(link) {
    return document.getElementById(link.getAttribute("href").slice(1));
  }

  function rememberOccurrence(link) {
    // The list entry's back-link returns to the number the reader followed.
    const entry = entryFor(link);
    const back = entry && entry.querySelector("a.backlink");
    if (back && link.id) back.setAttribute("href", "#" + link.id);
  }

  function place(link) {
    const box = link.getBoundingClientRect();
    const width = popover.offsetWidth;
    const margin = 8;
    const left = Math.min(Math.max(margin, box.left + box.width / 2 - width / 2), window.innerWidth - width - margin);
    let top = box.bottom + margin;
    if (top + popover.offsetHeight > window.innerHeight && box.top - popover.offsetHeight - margin > 0) {
      top = box.top - popover.offsetHeight - margin;
    }
    popover.style.left = Math.max(margin, left) + window.scrollX + "px";
    popover.style.top = top + window.scrollY + "px";
  }

  function open(link, hover) {
    const entry = entryFor(link);
    if (!entry) return false;
    if (current && current !== link) current.setAttribute("aria-expanded", "false");
    current = link;
    byHover = hover;
    heading.textContent = link.getAttribute("aria-label") || "Reference " + link.textContent;
    body.replaceChildren();
    for (const part of entry.querySelectorAll(".csl-entry, .ref-links")) {
      const copy = part.cloneNode(true);
      for (const back of copy.querySelectorAll(".backlink")) back.remove();
      body.append(copy);
    }
    toList.setAttribute("href", link.getAttribute("href"));
    popover.hidden = false;
    place(link);
    link.setAttribute("aria-expanded", "true");
    rememberOccurrence(link);
    if (!hover) popover.focus();
    return true;
  }

  function hide(returnFocus) {
    if (!current) return;
    popover.hidden = true;
    current.setAttribute("aria-expanded", "false");
    if (returnFocus) current.focus();
    current = null;
  }

  for (const link of triggers) {
    link.setAttribute("aria-haspopup", "dialog");
    link.setAttribute("aria-expanded", "false");
    link.setAttribute("aria-controls", popover.id);
    link.addEventListener("click", function (event) {
      rememberOccurrence(link);
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;
      if (current === link && !byHover) {
        hide(false);
        event.preventDefault();
        return;
      }
      if (open(link, false)) event.preventDefault();
    });
    link.addEventListener("mouseenter", function () {
      if (!window.matchMedia("(hover: hover)").matches) return;
      clearTimeout(hoverTimer);
      hoverTimer = setTimeout(function () {
        if (!current || byHover) open(link, true);
      }, HOVER_DELAY);
    });
    link.addEventListener("mouseleave", function () {
      clearTimeout(hoverTimer);
      hoverTimer = setTimeout(function () {
        if (byHover && !popover.matches(":hover")) hide(false);
      }, HOVER_DELAY);
    });
  }

  popover.addEventListener("mouseleave", function () {
    if (byHover) hoverTimer = setTimeout(function () { hide(false); }, HOVER_DELAY);
  });
  popover.addEventListener("mouseenter", function () { clearTimeout(hoverTimer); });
  close.addEventListener("click", function () { hide(true); });
  toList.addEventListener("click", function () { hide(false); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && current) hide(true);
  });
  document.addEventListener("click", function (event) {
    if (current && !popover.contains(event.target) && !event.target.closest("a.cite-ref")) hide(false);
  });
  window.addEventListener("resize", function () { if (current) place(current); });
})();
