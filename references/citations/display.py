"""Numbering citations and showing the numbers in rendered HTML.

Numbers follow first appearance (``number_keys``), as ``pandoc --citeproc`` numbers a
citation-sequence style. A group of plain citations shows its numbers sorted with runs of
three or more collapsed (``[1–3,5]``); a group whose items have prefixes or suffixes keeps the
written order (``[see 1, pp. 33–35; also 2, chap. 1]``), collapsing only runs of plain items.

Every shown number is a link to its entry (``#ref-3``) named for screen readers ("Reference 3:
Rude 1998") and carries an id for the entry's back-link: ``cite-3`` the first time 3 is shown
on a page, ``cite-3-2`` the second time, and so on, so a reader can return to the very place
they followed. Inside link text a number is not a link (links cannot nest).

Printed (a PDF handout) the numbers are plainer: nothing in a PDF links back to a citation and
WeasyPrint carries no ARIA into it, so there are no ids or accessible names, and a lone number's
link takes in its brackets (``[1]``, a wider target to click). Every id would otherwise become
a named destination in the file, and every extra element costs the renderer layout time.
"""

import html
import re
from collections.abc import Iterable, Mapping

# Placeholders however a sanitiser re-serialises them: attributes in any order and quoting,
# perhaps with "<" or ">" left unescaped inside a value.
_ELEMENT_ATTRIBUTES = r"""((?:\s+[\w:-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)"""
_CITE_TAG = re.compile(rf"<(/?)cite\b{_ELEMENT_ATTRIBUTES}\s*>", re.IGNORECASE)
_TAG = re.compile(rf"<(/?)([a-zA-Z][\w:-]*){_ELEMENT_ATTRIBUTES}\s*(/?)>")
_ATTRIBUTE = re.compile(r"""([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_VOID_ELEMENTS = {
    "area",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
_SUFFIX_WITHOUT_SPACE = ",.;:)"


def number_keys(keys_in_order: Iterable[str]) -> dict[str, int]:
    """Number keys 1..n by first appearance; a repeated key keeps its first number."""
    numbering: dict[str, int] = {}
    for key in keys_in_order:
        numbering.setdefault(key, len(numbering) + 1)
    return numbering


def _runs(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted, de-duplicated numbers as (first, last) runs of consecutive numbers."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return [(first, last) for first, last in runs]


def _run_parts(first: int, last: int) -> list[list[int]]:
    """A run as it is shown: ``[[1, 3]]`` for 1–3 (three or more), ``[[1], [2]]`` for 1,2."""
    if last - first >= 2:
        return [[first, last]]
    return [[number] for number in range(first, last + 1)]


def collapse_ranges(numbers: Iterable[int]) -> str:
    """``[5, 1, 3, 2]`` → ``"1–3,5"``: runs of three or more become an en-dash range."""
    parts = (part for first, last in _runs(numbers) for part in _run_parts(first, last))
    return ",".join("\u2013".join(str(number) for number in part) for part in parts)


class _GroupRenderer:
    """Renders the citation groups of one page, counting how often each number was shown."""

    def __init__(
        self, numbering: Mapping[str, int], labels: Mapping[str, str], link_prefix: str, shown: dict[int, int],
        printed: bool = False,
    ) -> None:  # fmt: skip
        self.numbering = numbering
        self.labels = {numbering[key]: label for key, label in labels.items() if key in numbering}
        self.link_prefix = link_prefix
        self.shown = shown
        self.printed = printed

    def render(self, keys: list[str], affixes: list[tuple[str, str]], in_link: bool) -> str:
        if not any(prefix or suffix for prefix, suffix in affixes):
            known = [self.numbering[key] for key in keys if key in self.numbering]
            parts = [self._numbers(known, in_link)] if known else []
            unknown = list(dict.fromkeys(key for key in keys if key not in self.numbering))
            if self.printed and not in_link and not unknown and len(set(known)) == 1:
                return f'<sup class="citation">{self._link(known[0], f"[{known[0]}]")}</sup>'
            parts += [self._unknown(key) for key in unknown]
            return f'<sup class="citation">[{",".join(parts)}]</sup>'
        parts, plain = [], []
        for key, (prefix, suffix) in zip(keys, affixes, strict=True):
            if not prefix and not suffix and key in self.numbering:
                plain.append(self.numbering[key])
                continue
            if plain:
                parts.append(self._numbers(plain, in_link))
                plain = []
            number = (
                self._numbers([self.numbering[key]], in_link) if key in self.numbering else self._unknown(key)
            )
            separator = "" if _text(suffix).lstrip()[:1] in tuple(_SUFFIX_WITHOUT_SPACE) else " "
            parts.append((f"{prefix} " if prefix else "") + number + (separator + suffix if suffix else ""))
        if plain:
            parts.append(self._numbers(plain, in_link))
        return f'<sup class="citation citation-text">[{"; ".join(parts)}]</sup>'

    def _numbers(self, numbers: list[int], in_link: bool) -> str:
        shown = []
        for first, last in _runs(numbers):
            for part in _run_parts(first, last):
                text = self._number(part[0], in_link)
                if len(part) > 1:
                    # The numbers a range hides keep their ids too, as empty spans.
                    hidden = "" if self.printed else "".join(
                        f"<span{self._id(number)}></span>" for number in range(part[0] + 1, part[1])
                    )  # fmt: skip
                    text += hidden + "\u2013" + self._number(part[1], in_link)
                shown.append(text)
        return ",".join(shown)

    def _number(self, number: int, in_link: bool) -> str:
        if in_link:
            return f'<span class="cite-ref"{self._id(number)}>{number}</span>'
        return self._link(number, str(number))

    def _link(self, number: int, text: str) -> str:
        href = html.escape(f"#{self.link_prefix}{number}")
        if self.printed:
            return f'<a class="cite-ref" href="{href}">{text}</a>'
        label = (
            f"Reference {number}: {self.labels[number]}" if number in self.labels else f"Reference {number}"
        )
        return f'<a class="cite-ref" href="{href}"{self._id(number)} aria-label="{html.escape(label)}">{text}</a>'

    def _unknown(self, key: str) -> str:
        return f'<span class="citation-unknown" title="{html.escape(key)}">?</span>'

    def _id(self, number: int) -> str:
        if self.printed:
            return ""
        count = self.shown.get(number, 0) + 1
        self.shown[number] = count
        return f' id="cite-{number}"' if count == 1 else f' id="cite-{number}-{count}"'


def _attributes(text: str) -> dict[str, str]:
    attributes = {}
    for match in _ATTRIBUTE.finditer(text):
        name, *values = match.groups()
        attributes[name.lower()] = html.unescape(next((v for v in values if v is not None), ""))
    return attributes


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


def _placeholders(html_text: str):
    """(start, end, keys, inside HTML, in link) for every citation placeholder, in order."""
    position = 0
    while match := _CITE_TAG.search(html_text, position):
        position = match.end()
        attributes = _attributes(match[2])
        if match[1] or "citation" not in attributes.get("class", "").split() or "data-cite" not in attributes:
            continue
        depth, inner_end = 1, len(html_text)
        for tag in _CITE_TAG.finditer(html_text, match.end()):
            depth += -1 if tag[1] else 1
            if depth == 0:
                inner_end, position = tag.start(), tag.end()
                break
        else:
            position = len(html_text)
        in_link = "in-link" in attributes["class"].split()
        yield (
            match.start(),
            position,
            attributes["data-cite"].split(),
            html_text[match.end() : inner_end],
            in_link,
        )


def _affixes(inside: str, count: int) -> list[tuple[str, str]]:
    """The (prefix, suffix) HTML of each item: the placeholder's top-level spans, two per item."""
    spans, depth, start = [], 0, 0
    for tag in _TAG.finditer(inside):
        closing, name = tag[1], tag[2].lower()
        if name in _VOID_ELEMENTS or tag[4]:
            continue
        if not closing:
            if depth == 0:
                start = tag.end()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append(inside[start : tag.start()].strip())
    if len(spans) != 2 * count:
        return [("", "")] * count
    return list(zip(spans[::2], spans[1::2], strict=True))


def number_citations_html(
    html_text: str,
    numbering: Mapping[str, int],
    *,
    labels: Mapping[str, str] | None = None,
    link_prefix: str = "ref-",
    shown: dict[int, int] | None = None,
    printed: bool = False,
) -> str:
    """Replace the citation placeholders in rendered HTML with linked, bracketed numbers.

    ``[@a; @b; @c; @e]`` with a, b, c, e numbered 1, 2, 3, 5 shows as ``[1–3,5]`` inside
    ``<sup class="citation">`` (``citation citation-text`` when it has prefixes or suffixes, which
    may wrap), each number a link to ``#{link_prefix}{n}`` with the accessible
    name "Reference n: {labels[key]}". ``shown`` counts how often each number has been shown
    (for the ids); when one page shows several fragments, pass the same dict to each call.
    Keys missing from ``numbering`` show as ``?`` with the key in the title. ``printed``: the
    plainer form for a PDF (module docstring).
    """
    renderer = _GroupRenderer(numbering, labels or {}, link_prefix, {} if shown is None else shown, printed)
    pieces, position = [], 0
    for start, end, keys, inside, in_link in _placeholders(html_text):
        pieces += [html_text[position:start], renderer.render(keys, _affixes(inside, len(keys)), in_link)]
        position = end
    return "".join(pieces) + html_text[position:]


def remove_citations(html_text: str) -> str:
    """Drop citation placeholders, and the space before them, from rendered HTML (for teasers)."""
    pieces, position = [], 0
    for start, end, *_ in _placeholders(html_text):
        pieces.append(html_text[position:start].rstrip() if start else "")
        position = end
    return "".join(pieces) + html_text[position:]
