"""Markdown to safe HTML: the one renderer every editor-written text goes through.

markdown-it-py parses CommonMark (plus tables and pandoc-style citations, which become
placeholder ``<cite>`` elements numbered later per document); nh3 then removes anything a
browser could run. The output is cached on the models, so this runs on save, not per request.
"""

from dataclasses import dataclass, field
from functools import lru_cache

import nh3
from django.utils.text import slugify
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

from references.citations import citations_plugin

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
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable("table").enable("strikethrough")
    md.use(anchors_plugin, min_level=2, max_level=3, slug_func=heading_slug)
    md.use(citations_plugin)
    return md


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
