"""Markdown to safe HTML: the one renderer every editor-written text goes through.

markdown-it-py parses CommonMark (plus tables and pandoc-style citations, which become
placeholder ``<cite>`` elements numbered later per document); nh3 then removes anything a
browser could run. The output is cached on the models, so this runs on save, not per request.
``sanitiser_losses`` says what nh3 would remove, so that nothing an editor wrote disappears
without a word (the Markdown validator refuses such text).
"""

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser

import nh3
from django.utils.text import slugify
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

from references.citations import markdown_parser

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div", "dl", "dt",
    "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "cite": {"class", "data-cite"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "scope", "style"},
    **{f"h{level}": {"id"} for level in range(2, 7)},
}
# Tables from Markdown carry text-align as an inline style; nothing else may.
ALLOWED_STYLE_PROPERTIES = {"text-align"}
URL_SCHEMES = {"http", "https", "mailto"}


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: list[Heading] = field(default_factory=list)
    words: int = 0


def heading_slug(text: str) -> str:
    return "sec-" + (slugify(text) or "section")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    """The citations' Markdown dialect (one parser for rendering and reading), plus heading ids."""
    return markdown_parser().use(anchors_plugin, min_level=2, max_level=3, slug_func=heading_slug)


def sanitize(html: str) -> str:
    """Remove every tag, attribute and URL scheme a reader's browser could be attacked with."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


class _Outline(HTMLParser):
    """The elements, attributes and words of an HTML fragment, as written (nothing run)."""

    # Script and style contents are words an editor typed, like any other.
    CDATA_CONTENT_ELEMENTS = ()

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: Counter[tuple[str, str, str]] = Counter()
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            self.attributes[tag, name, value or ""] += 1

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def words(self) -> Counter[str]:
        return Counter("".join(self.text).split())


# Markdown that renders to an element readers never get.
_TAG_HINTS = {"h1": "a level-1 heading (“# …”: start headings with ##)"}


def _quoted(words: list[str], limit: int = 12) -> str:
    return "“" + " ".join(words[:limit]) + ("…" if len(words) > limit else "") + "”"


def sanitiser_losses(text: str) -> list[str]:
    """What the sanitiser would take out of ``text``'s HTML: elements, attributes, words, and
    markup it would turn into visible text. Empty when the text reaches readers whole."""
    html = _parser().render(text or "")
    before, after = _Outline(html), _Outline(sanitize(html))
    removed_tags = sorted(tag for tag in before.tags - after.tags if tag not in ALLOWED_TAGS)
    losses = [_TAG_HINTS.get(tag, f"<{tag}>") for tag in removed_tags]
    if html.count("<!--") > html.count("-->"):
        losses.append("a comment that is never closed (“<!--” without “-->” hides the rest)")
    kept_attributes = {(tag, name) for tag, name, _ in after.attributes}
    for tag, name, value in sorted(before.attributes - after.attributes):
        if tag in removed_tags or (tag, name) in kept_attributes:
            continue
        losses.append(f"the address “{value}”" if name in ("href", "src") else f"{name}=“{value}” on <{tag}>")
    if lost := list((before.words - after.words).elements()):
        losses.append(f"the words {_quoted(lost)}")
    if shown := list((after.words - before.words).elements()):
        losses.append(f"markup that would show as text: {_quoted(shown)}")
    return losses


def render_markdown(text: str) -> Rendered:
    """Render one Markdown text; also report its h2/h3 headings (for a table of contents)."""
    md = _parser()
    tokens = md.parse(text or "")
    headings = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.attrGet("id"):
            inline = tokens[index + 1]
            plain = "".join(
                child.content for child in inline.children or [] if child.type in {"text", "code_inline"}
            )
            headings.append(
                Heading(level=int(token.tag[1]), anchor=str(token.attrGet("id")), text=plain.strip())
            )
    html = sanitize(md.renderer.render(tokens, md.options, {}))
    words = len((text or "").split())
    return Rendered(html=html, headings=headings, words=words)


def render_inline(text: str) -> str:
    """Render a one-paragraph field (a key point, a table cell) without the wrapping <p>."""
    html = render_markdown(text).html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
