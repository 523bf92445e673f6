"""Pandoc-style citations in Markdown: reading them, numbering them, showing the numbers.

Two stages, so cached HTML never depends on the reference list:

1. While Markdown is rendered, ``citations_plugin`` (``syntax``) turns each citation into a
   placeholder ``<cite class="citation" data-cite="rude1998 wester1987">``.
2. When a page is shown, ``number_citations_html`` (``display``) replaces the placeholders
   with numbers from ``number_keys`` of the keys in reading order.

``parse_citations`` (``reading``) reads a text with the very parser that renders it, so the
page, the handout, the stored citation rows, validation and ``check_citations`` all agree; it
also reports near misses (``problems``) with what to write instead.
"""

from .display import collapse_ranges, number_citations_html, number_keys, remove_citations
from .reading import CitationProblem, citation_problems, cited_keys, extract_citations, parse_citations
from .syntax import CiteGroup, CiteItem, citations_plugin, markdown_parser

__all__ = [
    "CitationProblem",
    "CiteGroup",
    "CiteItem",
    "citation_problems",
    "citations_plugin",
    "cited_keys",
    "collapse_ranges",
    "extract_citations",
    "markdown_parser",
    "number_citations_html",
    "number_keys",
    "parse_citations",
    "remove_citations",
]
