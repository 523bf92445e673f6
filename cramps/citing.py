"""Citations of a document: the ``Citation`` rows that record them, and numbering them for display.

The numbering rule lives in ``references.citations`` (first appearance in reading order);
this module applies it to our content models and is the only writer of ``Citation`` rows.

Rows are derived data: ``citations_sync`` rewrites a document's rows from its texts whenever a
document or one of its inline rows is saved or deleted (``cramps.receivers``), or once at the end
of a ``citations_batch()`` block (an admin save, an import) for every document saved inside it.
``citations_drift`` says how stored rows differ from the text, for ``check_citations``.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cached_property

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q, QuerySet

from references.bibliography import formatted_entries
from references.citations import cited_keys, number_citations_html
from references.models import Reference

from . import pagecache
from .models import Article, Citation, Document, Nutrient

_batch: ContextVar[dict | None] = ContextVar("citations_batch", default=None)


def expected_citations(
    document: Document, known: Mapping[str, Reference] | None = None
) -> list[tuple[Reference, int]]:
    """(reference, number) for each known key the document's texts cite, numbered by first appearance.

    ``known`` maps keys to references when the caller has them all; otherwise they are looked up.
    """
    keys = cited_keys(text for _, text in document.citation_sources())
    if known is None:
        known = Reference.objects.in_bulk(keys, field_name="key")
    cited = [known[key] for key in keys if key in known]
    return [(reference, number) for number, reference in enumerate(cited, start=1)]


def citations_sync(*, document: Document) -> None:
    """Rewrite the document's Citation rows from its texts as the database holds them now."""
    document = type(document)._default_manager.filter(pk=document.pk).first()
    if document is None:
        return
    expected = {(reference.pk, number) for reference, number in expected_citations(document)}
    rows = Citation.objects.filter(
        content_type=ContentType.objects.get_for_model(document), object_id=document.pk
    )
    if set(rows.values_list("reference_id", "number")) == expected:
        return
    with transaction.atomic():
        rows.delete()
        Citation.objects.bulk_create(
            Citation(document=document, reference_id=reference_id, number=number)
            for reference_id, number in sorted(expected, key=lambda row: row[1])
        )
    # The rows are what the page's numbers and reference list show (bulk_create sends no signal).
    pagecache.bump(pagecache.document_token(document))


def citations_refresh(*, document: Document) -> None:
    """Sync the document's rows now, or at the end of the ``citations_batch()`` block it is in."""
    pending = _batch.get()
    if pending is None:
        citations_sync(document=document)
    else:
        pending[type(document), document.pk] = document


@contextmanager
def citations_batch() -> Iterator[None]:
    """Defer row syncs inside the block to one per document when it ends (not if it raises)."""
    if _batch.get() is not None:
        yield
        return
    pending: dict[tuple[type, int], Document] = {}
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
    for document in pending.values():
        citations_sync(document=document)


def citations_drift(document: Document, known: Mapping[str, Reference]) -> str:
    """How the stored rows differ from what the text cites, or "" when they agree.

    ``document`` should have ``citations__reference`` prefetched; ``known`` maps every key to its reference.
    """
    expected = [(reference.key, number) for reference, number in expected_citations(document, known)]
    stored = sorted(
        ((row.reference.key, row.number) for row in document.citations.all()), key=lambda row: row[1]
    )
    if stored == expected:
        return ""

    def listed(rows: list[tuple[str, int]]) -> str:
        return ", ".join(f"[{number}] @{key}" for key, number in rows) or "nothing"

    return f"its citation rows hold {listed(stored)} but its text cites {listed(expected)}"


def summaries_citing(key: str) -> list[Reference]:
    """The references whose study summary cites ``key`` (summaries have no Citation rows)."""
    candidates = Reference.objects.filter(summary__contains=key).exclude(key=key).order_by("key")
    return [reference for reference in candidates if key in cited_keys([reference.summary])]


def cited_key_refusal(reference: Reference, old_key: str | None = None) -> str | None:
    """Why a reference's key may not change: pages or study summaries cite it by that key (its
    stored key, ``old_key``); None if nothing does."""
    citing = sorted(
        {
            str(row.document)
            for row in Citation.objects.filter(reference=reference).prefetch_related("document")
        }
    )
    citing += [f"the study summary of @{other.key}" for other in summaries_citing(old_key or reference.key)]
    if not citing:
        return None
    return f"This key is cited by: {'; '.join(citing)}. Change the key in their text first."


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
    # How often each number has been shown on this page so far (each showing gets its own id).
    shown: dict[int, int] = field(default_factory=dict)
    # For a PDF handout: plainer citation markup (``number_citations_html``).
    printed: bool = False

    @cached_property
    def labels(self) -> dict[str, str]:
        """How screen readers name each citation: "Rude 1998"."""
        return {entry.reference.key: entry.reference.short_label for entry in self.entries}

    def apply(self, html: str) -> str:
        return number_citations_html(
            html, self.numbering, labels=self.labels, shown=self.shown, printed=self.printed
        )


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


def keys_citation_context(keys: Iterable[str]) -> CitationContext:
    """Numbers and reference list for keys in reading order (a study summary has no Citation
    rows: references are not documents); keys that match no reference are left out."""
    keys = list(dict.fromkeys(keys))
    known = Reference.objects.in_bulk(keys, field_name="key")
    references = [known[key] for key in keys if key in known]
    html = formatted_entries(references)
    return CitationContext(
        numbering={reference.key: number for number, reference in enumerate(references, start=1)},
        entries=[Entry(number, ref, html[ref.pk]) for number, ref in enumerate(references, start=1)],
    )


def published_citations() -> QuerySet[Citation]:
    """Citation rows of published pages only: what the public may learn about who cites what."""
    condition = Q()
    for model in (Article, Nutrient):
        condition |= Q(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=model.objects.published().values("pk"),
        )
    return Citation.objects.filter(condition)


def citing_pages_by_reference(references: Iterable[Reference]) -> dict[int, list[Document]]:
    """For each reference's pk, the published articles, then nutrient pages, citing it, each A–Z
    by title. A few queries however many references (a handout's studies)."""
    pks = [reference.pk for reference in references]
    rows = list(
        published_citations()
        .filter(reference__in=pks)
        .values_list("reference_id", "content_type_id", "object_id")
    )
    found: dict[int, list[Document]] = {pk: [] for pk in pks}
    for model in (Article, Nutrient):
        content_type = ContentType.objects.get_for_model(model)
        cited = [
            (reference_pk, page_pk) for reference_pk, type_pk, page_pk in rows if type_pk == content_type.pk
        ]
        # What a card shows (``includes/_card.html``): a popular reference lists many pages.
        pages = model.objects.only("title", "slug", "summary_html").in_bulk({page_pk for _, page_pk in cited})
        by_reference: dict[int, list[Document]] = {pk: [] for pk in pks}
        for reference_pk, page_pk in cited:
            by_reference[reference_pk].append(pages[page_pk])
        for pk, listed in by_reference.items():
            found[pk] += sorted(listed, key=lambda page: (page.title, page.pk))
    return found


def citing_pages(reference: Reference) -> list[Document]:
    """The published articles, then nutrient pages, that cite ``reference``, each A–Z by title."""
    return citing_pages_by_reference([reference])[reference.pk]
