"""The handout as one HTML document: every part, one citation numbering, one reference list.

Built from the cached HTML fields (never from Markdown), so it matches the web pages; the
renderer (``cramps.handouts.render``) turns it into a PDF.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import unescape
from urllib.parse import urljoin

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify

from references.bibliography import formatted_entries
from references.citations import number_citations_html, number_keys

from ..citing import CitationContext, Entry
from ..models import Document
from ..services import INLINES
from .render import pdf_render

PAPER_SIZES = ("a4", "letter")
MAX_PARTS = 20
# Everything that shapes a handout's look; their contents are part of every handout's key.
TEMPLATES = (
    "handouts/handout.html",
    "handouts/_part.html",
    "handouts/_disclaimer.html",
    "handouts/_notes.html",
    "handouts/_summary.html",
)
STYLESHEET = "css/handout.css"


@dataclass(frozen=True)
class Part:
    """One document inside a handout, ready for ``handouts/_part.html``."""

    document: Document
    kind: str
    number: int
    url: str
    body_html: str
    toc: list[dict]

    @property
    def anchor(self) -> str:
        return f"part-{self.number}"


_SECTION_ANCHOR = re.compile(r'(\bid="|\bhref="#)sec-')


def _prefixed_anchors(html: str, prefix: str) -> str:
    """Heading ids are unique within a document; prefix them so they stay unique in a handout."""
    return _SECTION_ANCHOR.sub(rf"\g<1>{prefix}sec-", html)


def _prefetch(parts: Sequence[Document]) -> None:
    """Load what a handout shows (inlines, tags, citations) for every part in a few queries."""
    for model, inlines in INLINES.items():
        documents = [document for document in parts if isinstance(document, model)]
        prefetch_related_objects(documents, "tags", "citations__reference", *inlines)


def _citations(document: Document) -> list:
    return sorted(document.citations.all(), key=lambda citation: citation.number)


def merged_citations(parts: Sequence[Document]) -> CitationContext:
    """One numbering and reference list across parts, by first appearance in part order."""
    citations = [citation for document in parts for citation in _citations(document)]
    numbering = number_keys(citation.reference.key for citation in citations)
    references = {citation.reference.key: citation.reference for citation in citations}
    html = formatted_entries(references.values())
    entries = [Entry(number, references[key], html[references[key].pk]) for key, number in numbering.items()]
    return CitationContext(numbering=numbering, entries=entries)


def _title(parts: Sequence[Document]) -> str:
    """The document's title: the page's own, or "Handout: A; B; C and 4 more" for several."""
    if len(parts) == 1:
        return parts[0].title
    titles = "; ".join(document.title for document in parts[:3])
    more = f" and {len(parts) - 3} more" if len(parts) > 3 else ""
    return f"Handout: {titles}{more}"


def handout_filename(parts: Sequence[Document]) -> str:
    """``cramps-magnesium-handout.pdf``; up to three slugs, then a count."""
    slugs = [document.slug for document in parts]
    name = "-".join(slugs) if len(slugs) <= 3 else f"{len(slugs)}-topics"
    return f"{slugify(settings.CRAMPS_SITE_NAME) or 'site'}-{name[:120]}-handout.pdf"


def site_root(site_url: str) -> str:
    """``https://example.org/`` from any URL on the site: what handouts call the site's address."""
    return urljoin(site_url, "/")


def handout_html(
    *, parts: Sequence[Document], paper: str, site_url: str, generated: datetime | None = None
) -> str:
    """The handout as one HTML document for WeasyPrint (``handouts/handout.html``)."""
    site_url = site_root(site_url)
    _prefetch(parts)
    citations = merged_citations(parts)
    prepared = [
        Part(
            document=document,
            kind=document._meta.model_name,
            number=number,
            url=urljoin(site_url, document.get_absolute_url()),
            body_html=_prefixed_anchors(document.body_html, f"p{number}-"),
            toc=[{**heading, "anchor": f"p{number}-{heading['anchor']}"} for heading in document.toc],
        )
        for number, document in enumerate(parts, start=1)
    ]
    tags = dict.fromkeys(tag.name for document in parts for tag in document.tags.all())
    if len(parts) == 1:
        # Text for the PDF's metadata; the template escapes it once.
        description = unescape(strip_tags(number_citations_html(parts[0].summary_html, citations.numbering)))
    else:
        titles = "; ".join(document.title for document in parts)
        description = f"For discussion with a healthcare provider: {titles}."
    context = {
        "title": _title(parts),
        "description": description,
        "keywords": ", ".join(tags),
        "parts": prepared,
        "combined": len(prepared) > 1,
        # The summary page holds every part: fewer key points and writing lines as parts grow.
        "summary_points": 3 if len(prepared) <= 4 else 2 if len(prepared) <= 8 else 1,
        "summary_rules": range(6 if len(prepared) <= 4 else 3 if len(prepared) <= 8 else 2),
        "summary_words": 60 if len(prepared) <= 8 else 14,
        "citations": citations,
        "paper": paper,
        "site_name": settings.CRAMPS_SITE_NAME,
        "site_url": site_url,
        "stylesheet": static(STYLESHEET),
        "updated": max(document.updated for document in parts),
        "generated": generated or timezone.now(),
    }
    return render_to_string("handouts/handout.html", context)


def handout_render(*, parts: Sequence[Document], paper: str, site_url: str) -> bytes:
    """Build and render a handout as PDF bytes (not stored: see ``cramps.handouts.service``)."""
    html = handout_html(parts=parts, paper=paper, site_url=site_url)
    return pdf_render(html=html, base_url=site_root(site_url))
