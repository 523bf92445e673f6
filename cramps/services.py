"""Work on documents that spans several models (HackSoft-style ``<noun>_<verb>`` services)."""

from django.db import transaction

from references.models import Reference

from .citing import citations_batch, citations_drift, citations_refresh
from .markdown import render_markdown
from .models import Article, Document, Nutrient

DOCUMENT_MODELS: tuple[type[Document], ...] = (Article, Nutrient)


INLINES = {
    Article: ("key_points", "faqs"),
    Nutrient: ("intake_values", "food_sources", "forms", "interactions"),
}


def inline_prefetches(model: type[Document]) -> tuple[str, ...]:
    """Names of a document model's Markdown-bearing inlines (for prefetch_related)."""
    return INLINES.get(model, ())


def inline_managers(document: Document) -> list:
    return [getattr(document, name) for name in inline_prefetches(type(document))]


@transaction.atomic
def document_refresh(*, document: Document) -> None:
    """Re-render every cached HTML field of a document and its inlines, and sync its citations.

    Needed after rows arrive without ``save()`` (``loaddata``, bulk imports), or when the
    renderer itself changes.
    """
    with citations_batch():
        for manager in inline_managers(document):
            for item in manager.all():
                item.save()
        document.save()


def _rendered_stale(instance) -> bool:
    """Whether ``instance``'s cached HTML differs from what its Markdown renders to now."""
    stored = [getattr(instance, name) for name in instance.rendered_fields]
    instance.render()
    return [getattr(instance, name) for name in instance.rendered_fields] != stored


def study_summary_html(summary: str) -> str:
    """A reference's study summary as cached HTML (citation placeholders, numbered when shown)."""
    return render_markdown(summary).html if summary else ""


def study_summaries_repair() -> list[Reference]:
    """Re-render the study summaries whose cached HTML is stale (a renderer change, an
    ``update()``); an ``update()`` itself, so neither "updated" nor history moves. Returns them."""
    repaired = []
    for reference in Reference.objects.exclude(summary="", summary_html="").only(
        "key", "summary", "summary_html"
    ):
        if (html := study_summary_html(reference.summary)) != reference.summary_html:
            Reference.objects.filter(pk=reference.pk).update(summary_html=html)
            repaired.append(reference)
    return repaired


def document_repair(*, document: Document, known: dict[str, Reference] | None = None) -> bool:
    """Re-derive what no ``save()`` kept in step for one document: its and its inline rows'
    cached HTML, and its citation rows. Writes only what is stale; True if anything was.

    ``known`` maps every reference key to its reference, when the caller has them all.
    """
    if known is None:
        known = Reference.objects.in_bulk(field_name="key")
    stale = [row for manager in inline_managers(document) for row in manager.all() if _rendered_stale(row)]
    html_stale = _rendered_stale(document)
    if not (stale or html_stale or citations_drift(document, known)):
        return False
    with citations_batch():
        for row in stale:
            row.save()
        if html_stale:
            document.save()
        citations_refresh(document=document)
    return True


@transaction.atomic
def documents_repair() -> list[Document]:
    """``document_repair`` for every document: after a data migration, a raw load or a renderer
    change. Returns the documents it repaired."""
    known = Reference.objects.in_bulk(field_name="key")
    repaired = []
    for model in DOCUMENT_MODELS:
        for document in model.objects.prefetch_related(*inline_prefetches(model), "citations__reference"):
            if document_repair(document=document, known=known):
                repaired.append(document)
    return repaired
