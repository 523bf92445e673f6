"""Pandoc's citation syntax as a markdown-it plugin: what is a citation, and what only looks like one.

pandoc's Markdown reader is the reference. A citation is

- a bracketed group, ``[see @ada1999, pp. 33-35; also -@bernard1998, chap. 1]``: items
  separated by ``;``, each an optional prefix, ``@key`` (``-@key`` suppresses the author) and
  an optional suffix (a locator and any other words), prefix and suffix being Markdown;
- a textual citation, ``@ada1999`` in running text, optionally followed by a bracket with its
  suffix or more citations (``@ada1999 [p. 4]``, ``@ada1999 [p. 4; @bernard1998]``).

A key is a letter, digit or ``_`` followed by word characters with single internal punctuation
(``smith:2004.x``), or anything without spaces in braces (``@{key}``); an ``@`` right after a
word is not one (``a@b.com``). Citations are read wherever Markdown reads inline text (emphasis,
link text, headings, table cells, list items, block quotes) but not inside code, raw HTML or an
escape (``\\@``). A bracket followed by a link destination is a link (``[@a](https://…)``),
whose text may cite. Two groups side by side (``[@a][@b]``) are two citations.

Text that looks like a citation but is not read as one is found by ``problems`` and reported,
with a suggested fix, by ``reading.parse_citations``; the content app refuses to save it.

The renderer writes each citation as a placeholder, ``<cite class="citation" data-cite="a b">``,
holding, when any item has a prefix or suffix, two ``<span>`` elements per item (prefix, then
suffix) with their rendered Markdown. ``display.number_citations_html`` numbers placeholders
when a page is shown.
"""

import re
from dataclasses import dataclass, replace
from types import SimpleNamespace

from markdown_it import MarkdownIt
from markdown_it import helpers as markdown_helpers
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.reference import reference as reference_rule
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.link import link as link_rule
from markdown_it.token import Token

from ..pages import format_pages
from .problems import find_problems

_KEY = re.compile(
    r"(?P<dash>-?)@(?:\{(?P<braced>[^\s{}]+)\}|(?P<simple>\w(?:\w|[:.#$%&+?<>~/-](?=\w)|[:/](?=/))*))"
)
# CSL's English locator terms, long and short, singular and plural, longest first.
_LOCATOR_TERMS = sorted(
    """book books bk. bks. chapter chapters chap. chaps. column columns col. cols. figure figures fig.
    figs. folio folios fol. fols. number numbers no. nos. line lines l. ll. note notes n. nn. opus
    opera op. opp. page pages p. pp. paragraph paragraphs para. paras. ¶ ¶¶ part parts pt. pts.
    section sections sec. secs. § §§ s.v. s.vv. verse verses v. vv. volume volumes vol. vols.""".split(),
    key=len,
    reverse=True,
)
_LOCATOR_PIECE = r"(?:[A-Za-z]{0,3}\d+[A-Za-z]?|[ivxlcdmIVXLCDM]+)"
_LOCATOR = re.compile(
    rf"^(?P<lead>,?\s*(?:(?:{'|'.join(map(re.escape, _LOCATOR_TERMS))})\s*)?)"
    rf"(?P<value>{_LOCATOR_PIECE}(?:\s*(?:[-\u2013]|,|&)\s*{_LOCATOR_PIECE})*)(?=\W|$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CiteItem:
    """One cited work: its key and the Markdown written before and after it."""

    key: str
    prefix: str = ""
    suffix: str = ""
    suppress_author: bool = False


@dataclass(frozen=True)
class CiteGroup:
    """One citation as written: ``[see @a; @b, p. 4]``, or ``@a [p. 4]`` when ``textual``."""

    items: tuple[CiteItem, ...]
    textual: bool = False
    source: str = ""

    @property
    def keys(self) -> list[str]:
        return [item.key for item in self.items]

    @property
    def has_affixes(self) -> bool:
        return any(item.prefix or item.suffix for item in self.items)


@dataclass(frozen=True)
class _ItemSpan:
    """Where an item's parts lie in the source: (start, end) of prefix and suffix, the key match."""

    prefix: tuple[int, int]
    key: re.Match | None
    suffix: tuple[int, int]


# --- Reading the source ----------------------------------------------------------------------


def _after_word(state: StateInline, pos: int) -> bool:
    """pandoc's rule that a key cannot start right after a word (``a@b.com``, ``e.g.@a``)."""
    if pos == getattr(state, "_citation_end", -1) or pos == 0:
        return False
    before = state.src[pos - 1]
    return before.isalnum() or (before == "." and pos >= 2 and state.src[pos - 2].isalnum())


def _key_at(state: StateInline, pos: int) -> re.Match | None:
    if state.src[pos] not in "-@" or _after_word(state, pos):
        return None
    return _KEY.match(state.src, pos)


def _next_token(state: StateInline, pos: int) -> int:
    """Where the inline token starting at ``pos`` ends (code spans, links, escapes… as a whole)."""
    saved = state.pos
    state.pos = pos
    state.md.inline.skipToken(state)
    end, state.pos = state.pos, saved
    return end


def _skip_spaces(src: str, pos: int, end: int, *, newlines: int = 1) -> int:
    """Past spaces and tabs and at most ``newlines`` line breaks (pandoc's ``spnl``)."""
    while pos < end and (src[pos] in " \t" or (src[pos] == "\n" and newlines > 0)):
        newlines -= src[pos] == "\n"
        pos += 1
    return pos


def _trim(src: str, span: tuple[int, int]) -> tuple[int, int]:
    start, end = span
    while start < end and src[start].isspace():
        start += 1
    while end > start and src[end - 1].isspace():
        end -= 1
    return start, end


def _scan_items(
    state: StateInline, start: int, end: int, *, bare_first: bool = False
) -> list[_ItemSpan] | None:
    """The items of a group whose inside is ``src[start:end]``, or None when it is not one.

    With ``bare_first`` the first item is only a suffix (the bracket after a textual citation).
    """
    src = state.src
    items: list[_ItemSpan] = []
    pos = start
    while True:
        pos = _skip_spaces(src, pos, end)
        if bare_first and not items:
            key, prefix = None, (pos, pos)
        else:
            prefix_start = pos
            while (key := _key_at(state, pos) if pos < end else None) is None:
                if pos >= end or src[pos] == ";":
                    return None
                pos = _next_token(state, pos)
            prefix, pos = (prefix_start, key.start()), key.end()
        suffix_start = pos
        while pos < end and src[pos] != ";":
            pos = _next_token(state, pos)
        if pos > end:
            return None
        items.append(_ItemSpan(prefix, key, (suffix_start, pos)))
        if pos == end:
            return items
        pos += 1


def _is_link(state: StateInline, pos: int) -> bool:
    saved = state.pos
    state.pos = pos
    found = link_rule(state, True)
    state.pos = saved
    return found


def _link_label_end(state: StateInline, start: int, disable_nested: bool = False) -> int:
    """markdown-it's ``parseLinkLabel``, except that a citation in a link's text is not a nested
    link: ``[text citing [@a]](https://…)`` stays a link."""
    saved = state.pos
    state.pos = start + 1
    level, end = 1, -1
    while state.pos < state.posMax:
        char = state.src[state.pos]
        if char == "]":
            level -= 1
            if level == 0:
                end = state.pos
                break
        before = state.pos
        state.md.inline.skipToken(state)
        if char == "[":
            if state.pos == before + 1:
                level += 1
            elif disable_nested and before not in getattr(state, "_citation_starts", ()):
                end = -1
                break
    state.pos = saved
    return end


# --- Inline rules ----------------------------------------------------------------------------


def _bracketed_rule(state: StateInline, silent: bool) -> bool:
    start = state.pos
    if state.src[start] != "[" or getattr(state, "_in_citation", False):
        return False
    end = _link_label_end(state, start)
    if end < 0 or _is_link(state, start):
        return False
    items = _scan_items(state, start + 1, end)
    if items is None:
        return False
    if silent:
        state.__dict__.setdefault("_citation_starts", set()).add(start)
    else:
        _push_group(state, items, textual=False, start=start, end=end + 1)
    state.pos = end + 1
    return True


def _textual_rule(state: StateInline, silent: bool) -> bool:
    start = state.pos
    src = state.src
    if src[start] != "@" or getattr(state, "_in_citation", False):
        return False
    key = _key_at(state, start)
    if key is None:
        return False
    items = [_ItemSpan((start, start), key, (key.end(), key.end()))]
    end = key.end()
    bracket = _skip_spaces(src, end, state.posMax)
    if bracket < state.posMax and src[bracket] == "[":
        close = _link_label_end(state, bracket)
        if close >= 0 and not _is_link(state, bracket):
            more = _scan_items(state, bracket + 1, close)
            if more is None and (bare := _scan_items(state, bracket + 1, close, bare_first=True)):
                items[0] = replace(items[0], suffix=bare[0].suffix)
                more = bare[1:]
            if more is not None:
                items += more
                end = close + 1
    if not silent:
        _push_group(state, items, textual=True, start=start, end=end)
    state.pos = end
    return True


def _push_group(state: StateInline, spans: list[_ItemSpan], *, textual: bool, start: int, end: int) -> None:
    src = state.src
    trimmed = [(_trim(src, span.prefix), _trim(src, span.suffix)) for span in spans]
    group = CiteGroup(
        items=tuple(
            CiteItem(
                key=span.key["braced"] or span.key["simple"],
                prefix=src[prefix[0] : prefix[1]],
                suffix=src[suffix[0] : suffix[1]],
                suppress_author=bool(span.key["dash"]),
            )
            for span, (prefix, suffix) in zip(spans, trimmed, strict=True)
        ),
        textual=textual,
        source=src[start:end],
    )
    token = state.push("citation_open", "cite", 1)
    token.content = group.source
    token.meta = {"group": group, "in_link": state.linkLevel > 0}
    if group.has_affixes:
        state._in_citation = True
        # Untrimmed: each span ends where plain text stops (before "@", ";" or "]").
        for span in spans:
            for kind, (affix_start, affix_end) in (("prefix", span.prefix), ("suffix", span.suffix)):
                state.push(f"cite_{kind}_open", "span", 1)
                _tokenize(state, affix_start, affix_end)
                state.push(f"cite_{kind}_close", "span", -1)
        state._in_citation = False
    state.push("citation_close", "cite", -1)
    state._citation_end = end


def _tokenize(state: StateInline, start: int, end: int) -> None:
    saved = state.pos, state.posMax
    state.pos, state.posMax = start, end
    state.md.inline.tokenize(state)
    state.pos, state.posMax = saved


def _reference_unless_citation(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """pandoc reads ``[@a]: …`` as a citation, not as a link reference definition."""
    start = state.bMarks[start_line] + state.tShift[start_line]
    line = state.src[start : state.eMarks[start_line]]
    if line.startswith("[") and _bracketed_rule(StateInline(line, state.md, state.env, []), True):
        return False
    return reference_rule(state, start_line, end_line, silent)


# --- After inline parsing --------------------------------------------------------------------


def _children(state: StateCore):
    for token in state.tokens:
        if token.type == "inline" and token.children:
            yield token.children


def _format_locators(state: StateCore) -> None:
    """Write a suffix's locator as numeric styles do: after a comma, ranges with an en dash
    (``@a [pp. 33-35]`` shows as ``1, pp. 33–35``)."""
    for children in _children(state):
        for index, token in enumerate(children[:-1]):
            if token.type == "cite_suffix_open" and children[index + 1].type == "text":
                text = children[index + 1]
                text.content = _LOCATOR.sub(_locator, text.content, count=1)


def _locator(match: re.Match) -> str:
    lead = match["lead"] if "," in match["lead"] else ", " + match["lead"].lstrip()
    return lead + format_pages(match["value"])


# --- Rendering placeholders ------------------------------------------------------------------


def _render_open(self, tokens: list[Token], index: int, options, env) -> str:
    token = tokens[index]
    classes = "citation in-link" if token.meta["in_link"] else "citation"
    keys = " ".join(token.meta["group"].keys)
    return f'<cite class="{classes}" data-cite="{_escape(keys)}">'


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def citations_plugin(md: MarkdownIt) -> None:
    """Read citations into ``citation_open``/``citation_close`` tokens and render placeholders."""
    # Items end at ";", so plain text must stop there for the rules to see it.
    md.inline.add_terminator_char(";")
    md.inline.ruler.before("link", "citation", _bracketed_rule)
    md.inline.ruler.before("link", "textual_citation", _textual_rule)
    md.block.ruler.at("reference", _reference_unless_citation)
    md.core.ruler.before("text_join", "citation_problems", find_problems)
    md.core.ruler.after("text_join", "citation_locators", _format_locators)
    md.helpers = SimpleNamespace(
        **{name: getattr(markdown_helpers, name) for name in markdown_helpers.__all__}
    )
    md.helpers.parseLinkLabel = _link_label_end
    md.add_render_rule("citation_open", _render_open)
    md.add_render_rule("citation_close", lambda *args: "</cite>")
    for kind in ("prefix", "suffix"):
        md.add_render_rule(f"cite_{kind}_open", lambda *args: "<span>")
        md.add_render_rule(f"cite_{kind}_close", lambda *args: "</span>")


def markdown_parser() -> MarkdownIt:
    """The Markdown dialect of every editor-written text: CommonMark with raw HTML, tables,
    strikethrough and citations. The content app renders with it; extraction reads with it."""
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    return md.use(citations_plugin)
