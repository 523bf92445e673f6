"""Pandoc-style citations in Markdown (``[@rude1998]``, ``[@rude1998, p. 750; @wester1987]``).

Two stages, so the cached HTML never depends on the reference list:

1. While Markdown is rendered, :func:`citations_plugin` turns each citation group into a
   placeholder ``<cite class="citation" data-cite="rude1998|p. 750;wester1987|">``.
2. When the page is shown, :func:`number_citations_html` swaps the placeholders for numbers
   taken from :func:`number_keys` of the keys in reading order.

A group is a citation only when every ``;``-separated item is ``@key`` with an optional
``, locator``: ``[see @a]`` and ``[mail a@b.com]`` stay text. markdown-it's own rules decide
what is escaped or code, so ``\\[@a]`` and ``[@a]`` in a code span or block are not citations.
"""

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.common.utils import normalizeReference
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

# Pandoc's key syntax, simplified: internal punctuation is allowed, trailing punctuation is not.
KEY_PATTERN = r"[A-Za-z0-9_][A-Za-z0-9_:.#$%&\-+?<>~/]*"
_KEY_TRAILING_PUNCTUATION = ":.#$%&-+?<>~/"
_ITEM = re.compile(rf"\s*@(?P<key>{KEY_PATTERN})\s*(?:,(?P<locator>[^;]*))?", re.DOTALL)

# Placeholders however a sanitiser re-serialises them: attributes in any order and quoting,
# perhaps with "<" or ">" left unescaped inside a value.
_ELEMENT_ATTRIBUTES = r"""((?:\s+[\w:-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)"""
_CITE_ELEMENT = re.compile(rf"<cite{_ELEMENT_ATTRIBUTES}\s*>.*?</cite>", re.DOTALL | re.IGNORECASE)
_PLACEHOLDER_WITH_SPACE = re.compile(r'\s*<cite class="citation" data-cite="[^"]*">.*?</cite>', re.DOTALL)
_ATTRIBUTE = re.compile(r"""([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


@dataclass(frozen=True)
class CiteItem:
    key: str
    locator: str = ""


def parse_citation_group(content: str) -> list[CiteItem] | None:
    """The items of a bracketed group's inside (``@a, p. 4; @b``), or None if it is not one."""
    items = []
    for part in content.split(";"):
        match = _ITEM.fullmatch(part)
        if match is None:
            return None
        key = match["key"].rstrip(_KEY_TRAILING_PUNCTUATION)
        items.append(CiteItem(key, (match["locator"] or "").strip()))
    return items


def encode_items(items: Iterable[CiteItem]) -> str:
    """``key|locator`` joined by ``;``: keys never hold ``|`` and locators never hold ``;``."""
    return ";".join(f"{item.key}|{item.locator}" for item in items)


def decode_items(data: str) -> list[CiteItem]:
    items = []
    for part in data.split(";"):
        key, _, locator = part.partition("|")
        if key:
            items.append(CiteItem(key, locator))
    return items


def _citation_rule(state: StateInline, silent: bool) -> bool:
    start = state.pos
    if state.linkLevel > 0 or not state.src.startswith("[@", start):
        return False
    end = state.src.find("]", start, state.posMax)
    if end < 0 or "[" in state.src[start + 1 : end]:
        return False
    if state.src[end + 1 : end + 2] in ("(", "["):
        return False
    content = state.src[start + 1 : end]
    items = parse_citation_group(content)
    if items is None:
        return False
    # A [@label]: url definition makes it a shortcut reference link instead.
    if normalizeReference(content) in state.env.get("references", {}):
        return False
    if not silent:
        token = state.push("citation", "cite", 0)
        token.content = state.src[start : end + 1]
        token.meta = {"items": items}
    state.pos = end + 1
    return True


def _render_citation(self, tokens: list[Token], idx: int, options, env) -> str:
    token = tokens[idx]
    data = html.escape(encode_items(token.meta["items"]))
    return f'<cite class="citation" data-cite="{data}">{html.escape(token.content, quote=False)}</cite>'


def citations_plugin(md: MarkdownIt) -> None:
    """Parse citation groups into ``citation`` tokens and render them as placeholders."""
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.add_render_rule("citation", _render_citation)


_markdown = MarkdownIt("commonmark").enable("table").use(citations_plugin)


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def extract_citations(text: str) -> list[list[CiteItem]]:
    """Every citation group in a Markdown text, in reading order."""
    return [token.meta["items"] for token in _walk(_markdown.parse(text)) if token.type == "citation"]


def cited_keys(texts: Iterable[str]) -> list[str]:
    """Unique keys in order of first appearance across several Markdown texts."""
    keys = (item.key for text in texts for group in extract_citations(text) for item in group)
    return list(dict.fromkeys(keys))


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
    """Renders the groups of one document, remembering which numbers already have an anchor."""

    def __init__(self, numbering: dict[str, int], link_prefix: str, anchored: set[int]) -> None:
        self.numbering = numbering
        self.link_prefix = link_prefix
        self.anchored = anchored

    def render(self, items: list[CiteItem]) -> str:
        known = [item for item in items if item.key in self.numbering]
        unknown = list(dict.fromkeys(item.key for item in items if item.key not in self.numbering))
        output = ""
        if known:
            output += f'<sup class="citation">[{self._numbers(known)}]</sup>'
        if unknown:
            title = html.escape(", ".join(unknown))
            output += f'<sup class="citation citation-unknown" title="{title}">[?]</sup>'
        return output

    def _numbers(self, items: list[CiteItem]) -> str:
        plain = {self.numbering[item.key] for item in items if not item.locator}
        located = {(self.numbering[item.key], item.locator) for item in items if item.locator}
        # (sort key, numbers shown, locator): a located item is never part of a range.
        parts = [
            ((part[0], ""), part, "") for first, last in _runs(plain) for part in _run_parts(first, last)
        ]
        parts += [((number, locator), [number], locator) for number, locator in located]
        shown = []
        for _, numbers, locator in sorted(parts):
            first, last = numbers[0], numbers[-1]
            text = self._link(first)
            if last != first:
                hidden = "".join(self._anchor(number) for number in range(first + 1, last))
                text += hidden + "\u2013" + self._link(last)
            if locator:
                text += ", " + html.escape(locator)
            shown.append(text)
        return ",".join(shown)

    def _link(self, number: int) -> str:
        href = html.escape(f"#{self.link_prefix}{number}")
        return f'<a href="{href}"{self._id(number)}>{number}</a>'

    def _anchor(self, number: int) -> str:
        """An empty target for a number hidden inside a range, so back-links still land."""
        id_attribute = self._id(number)
        return f"<span{id_attribute}></span>" if id_attribute else ""

    def _id(self, number: int) -> str:
        if number in self.anchored:
            return ""
        self.anchored.add(number)
        return f' id="cite-{number}"'


def _attributes(text: str) -> dict[str, str]:
    attributes = {}
    for match in _ATTRIBUTE.finditer(text):
        name, *values = match.groups()
        attributes[name.lower()] = html.unescape(next((v for v in values if v is not None), ""))
    return attributes


def number_citations_html(
    html_text: str,
    numbering: dict[str, int],
    *,
    link_prefix: str = "ref-",
    anchored: set[int] | None = None,
) -> str:
    """Replace the citation placeholders in rendered HTML with linked, bracketed numbers.

    ``[@a; @b; @c; @e, p. 750]`` with a, b, c, e numbered 1, 2, 3, 5 shows as
    ``[1–3,5, p. 750]`` inside ``<sup class="citation">``, each number a link to
    ``#{link_prefix}{n}``. The first time a number appears it carries ``id="cite-{n}"`` for the
    reference list to link back to; when one page shows several fragments, pass the same
    ``anchored`` set to each call (it is updated in place) so no id is used twice.
    Keys missing from ``numbering`` show as ``[?]`` with the key in the title.
    """
    renderer = _GroupRenderer(numbering, link_prefix, set() if anchored is None else anchored)

    def replace(match: re.Match) -> str:
        attributes = _attributes(match[1])
        if "citation" not in attributes.get("class", "").split() or "data-cite" not in attributes:
            return match[0]
        return renderer.render(decode_items(attributes["data-cite"]))

    return _CITE_ELEMENT.sub(replace, html_text)


def remove_citations(html_text: str) -> str:
    """Drop citation placeholders from rendered HTML (for teasers and meta descriptions)."""
    return _PLACEHOLDER_WITH_SPACE.sub("", html_text)
