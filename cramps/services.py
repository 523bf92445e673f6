"""Work on documents that spans several models (HackSoft-style ``<noun>_<verb>`` services)."""

from django.db import transaction

from .citing import citations_sync
from .models import Article, Document, Nutrient

DOCUMENT_MODELS: tuple[type[Document], ...] = (Article, Nutrient)


INLINES = {Article: ("key_points", "faqs"), Nutrient: ("food_sources", "interactions")}


def inline_prefetches(model: type[Document]) -> tuple[str, ...]:
    """Names of a document model's Markdown-bearing inlines (for prefetch_related)."""
    return INLINES.get(model, ())


def inline_managers(document: Document) -> list:
    return [getattr(document, name) for name in inline_prefetches(type(document))]


@transaction.atomic
def document_refresh(*, document: Document) -> None:
    """Re-render every cached HTML field of a document and its inlines, then its citations.

    Needed after rows arrive without ``save()`` (``loaddata``, bulk imports), or when the
    renderer itself changes.
    """
    for manager in inline_managers(document):
        for item in manager.all():
            item.save()
    document.save()
    citations_sync(document=document)
