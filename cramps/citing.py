"""Citations of a document: storing which references it cites, and numbering them for display.

The numbering rule lives in ``references.citations`` (first appearance in reading order);
this module applies it to our content models and is the only writer of ``Citation`` rows.
"""

from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from references.bibliography import formatted_entries
from references.citations import cited_keys, number_citations_html
from references.models import Reference

from .models import Citation, Document


def citations_sync(*, document: Document) -> list[Citation]:
    """Rewrite the document's Citation rows from its text; call after its inlines are saved."""
    keys = cited_keys(text for _, text in document.citation_sources())
    known = Reference.objects.in_bulk(keys, field_name="key")
    content_type = ContentType.objects.get_for_model(document)
    rows = [
        Citation(content_type=content_type, object_id=document.pk, reference=known[key], number=number)
        for number, key in enumerate((key for key in keys if key in known), start=1)
    ]
    with transaction.atomic():
        Citation.objects.filter(content_type=content_type, object_id=document.pk).delete()
        return Citation.objects.bulk_create(rows)


@dataclass(frozen=True)
class Entry:
    number: int
    reference: Reference
    html: str


@dataclass(frozen=True)
class CitationContext:
    """What a template needs to show a document's citations: numbers and the reference list."""

    numbering: dict[str, int]
    entries: list[Entry]
    # Numbers that already carry their back-link target on this page (one id per number).
    anchored: set[int] = field(default_factory=set)

    def apply(self, html: str) -> str:
        return number_citations_html(html, self.numbering, anchored=self.anchored)


def citation_context(citations: list[Citation]) -> CitationContext:
    """Build the numbering and formatted list from Citation rows (prefetch their references)."""
    citations = sorted(citations, key=lambda citation: citation.number)
    html = formatted_entries(citation.reference for citation in citations)
    return CitationContext(
        numbering={citation.reference.key: citation.number for citation in citations},
        entries=[
            Entry(citation.number, citation.reference, html[citation.reference.pk]) for citation in citations
        ],
    )
