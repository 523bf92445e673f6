"""The handout as one HTML document: every part, one citation numbering, one reference list.

Built from the cached HTML fields (never from Markdown), so it matches the web pages; the
renderer (``cramps.handouts.render``) turns it into a PDF. A part is an article, a nutrient page
or a reference (a "study": its entry, study summary and the published pages citing it); studies
come after the pages, in a "Studies" section of a combined handout.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from html import unescape
from urllib.parse import urljoin

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import slugify

from references.bibliography import formatted_entries
from references.citations import cited_keys, number_citations_html, number_keys
from references.models import Reference

from ..citing import CitationContext, Entry, citing_pages_by_reference
from ..compare import comparison_build
from ..models import Document
from ..services import INLINES
from .models import HandoutLayout
from .render import pdf_render

PAPER_SIZES = ("a4", "letter")
MAX_PARTS = 20
# Everything that shapes a handout's look; their contents are part of every handout's key.
TEMPLATES = (
    "handouts/_document.html",
    "handouts/handout.html",
    "handouts/_part.html",
    "handouts/_disclaimer.html",
    "handouts/_notes.html",
    "handouts/_study.html",
    "includes/_study_summary.html",
    "handouts/comparison.html",
    "includes/_comparison.html",
    "includes/_nutrient_profile.html",
    "includes/_nutrient_facts.html",
    "handouts/_summary.html",
    "handouts/_reference_entries.html",
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


# What a handout can hold: pages, and references shown as studies.
Item = Document | Reference


@dataclass(frozen=True)
class Study:
    """One reference inside a handout, ready for ``handouts/_study.html``."""

    reference: Reference
    number: int
    url: str
    entry: Entry
    cited_by: list[tuple[str, str]]

    @property
    def anchor(self) -> str:
        return f"part-{self.number}"


def is_study(item: Item) -> bool:
    return isinstance(item, Reference)


def in_handout_order(items: Sequence[Item]) -> list[Item]:
    """Pages in the order asked for, then studies in the order asked for: how a handout shows them."""
    return [item for item in items if not is_study(item)] + [item for item in items if is_study(item)]


def is_public(item: Item) -> bool:
    """Every reference has a public page; a page may be a draft an editor previews."""
    return is_study(item) or item.is_public


def item_slug(item: Item) -> str:
    return item.key if is_study(item) else item.slug


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


def merged_citations(parts: Sequence[Item]) -> CitationContext:
    """One numbering and reference list across parts, by first appearance in part order, with
    citations shown as printed.

    A study counts as citing itself, then the works its summary cites: a work both cited by a
    page and shown as a study is numbered and listed once."""
    keys: list[str] = []
    references: dict[str, Reference] = {}
    for part in parts:
        if is_study(part):
            references[part.key] = part
            keys += [part.key, *cited_keys([part.summary])]
        else:
            for citation in _citations(part):
                references[citation.reference.key] = citation.reference
                keys.append(citation.reference.key)
    if missing := set(keys) - set(references):
        references |= Reference.objects.in_bulk(missing, field_name="key")
    numbering = number_keys(key for key in keys if key in references)
    references = {key: references[key] for key in numbering}
    html = formatted_entries(references.values())
    entries = [Entry(number, references[key], html[references[key].pk]) for key, number in numbering.items()]
    return CitationContext(numbering=numbering, entries=entries, printed=True)


def _title(parts: Sequence[Item]) -> str:
    """The document's title: the page's own, or "Handout: A; B; C and 4 more" for several."""
    if len(parts) == 1:
        return parts[0].title
    titles = "; ".join(document.title for document in parts[:3])
    more = f" and {len(parts) - 3} more" if len(parts) > 3 else ""
    return f"Handout: {titles}{more}"


def handout_filename(parts: Sequence[Item], layout: str = HandoutLayout.PAGES) -> str:
    """``cramps-magnesium-handout.pdf``; up to three slugs (or reference keys), then a count.
    Comparisons say so."""
    slugs = [item_slug(item) for item in parts]
    name = "-".join(slugs) if len(slugs) <= 3 else f"{len(slugs)}-topics"
    kind = "comparison" if layout == HandoutLayout.COMPARISON else "handout"
    return f"{slugify(settings.CRAMPS_SITE_NAME) or 'site'}-{name[:120]}-{kind}.pdf"


def site_root(site_url: str) -> str:
    """``https://example.org/`` from any URL on the site: what handouts call the site's address."""
    return urljoin(site_url, "/")


def comparison_html(
    *, parts: Sequence[Document], paper: str, site_url: str, generated: datetime | None = None
) -> str:
    """Nutrients side by side as one HTML document for WeasyPrint (``handouts/comparison.html``)."""
    comparison = comparison_build(parts)
    titles = ", ".join(document.title for document in parts)
    context = {
        "title": f"Comparison: {titles}",
        "description": f"Side by side for discussion with a healthcare provider: {titles}.",
        "keywords": titles,
        "comparison": comparison,
        "citations": replace(comparison.citations, printed=True),
        "paper": paper,
        "site_name": settings.CRAMPS_SITE_NAME,
        "site_url": site_url,
        "page_url": urljoin(site_url, "compare/?nutrients=" + ",".join(document.slug for document in parts)),
        "updated": max(document.updated for document in parts),
        "generated": generated or timezone.now(),
    }
    return render_to_string("handouts/comparison.html", context)


def handout_html(
    *, parts: Sequence[Item], paper: str, site_url: str, generated: datetime | None = None,
    layout: str = HandoutLayout.PAGES,
) -> str:  # fmt: skip
    """The handout as one HTML document for WeasyPrint (``handouts/handout.html``, or a comparison)."""
    site_url = site_root(site_url)
    if layout == HandoutLayout.COMPARISON:
        return comparison_html(parts=parts, paper=paper, site_url=site_url, generated=generated)
    parts = in_handout_order(parts)
    documents = [part for part in parts if not is_study(part)]
    _prefetch(documents)
    citations = merged_citations(parts)
    entries = {entry.reference.pk: entry for entry in citations.entries}
    cited_by = citing_pages_by_reference(part for part in parts if is_study(part))
    studies = [
        Study(
            reference=reference,
            number=number,
            url=urljoin(site_url, reference.get_absolute_url()),
            entry=entries[reference.pk],
            cited_by=[
                (page.title, urljoin(site_url, page.get_absolute_url())) for page in cited_by[reference.pk]
            ],
        )
        for number, reference in enumerate(parts, start=1)
        if is_study(reference)
    ]
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
        if not is_study(document)
    ]
    tags = dict.fromkeys(tag.name for document in documents for tag in document.tags.all())
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
        "studies": studies,
        "count": len(parts),
        "combined": len(parts) > 1,
        # The summary page holds every part: fewer key points and writing lines as parts grow.
        "summary_points": 3 if len(prepared) <= 4 else 2 if len(prepared) <= 8 else 1,
        "summary_rules": range(6 if len(prepared) <= 4 else 3 if len(prepared) <= 8 else 2),
        "summary_words": 60 if len(prepared) <= 8 else 14,
        "citations": citations,
        "paper": paper,
        "site_name": settings.CRAMPS_SITE_NAME,
        "site_url": site_url,
        "updated": max(document.updated for document in parts),
        "generated": generated or timezone.now(),
    }
    return render_to_string("handouts/handout.html", context)


def handout_render(
    *, parts: Sequence[Item], paper: str, site_url: str, layout: str = HandoutLayout.PAGES
) -> bytes:
    """Build and render a handout as PDF bytes (not stored: see ``cramps.handouts.service``)."""
    html = handout_html(parts=parts, paper=paper, site_url=site_url, layout=layout)
    return pdf_render(html=html, base_url=site_root(site_url), stylesheets=[STYLESHEET])
