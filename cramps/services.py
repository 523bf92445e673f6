"""Work on documents that spans several models (HackSoft-style ``<noun>_<verb>`` services)."""

from django.db import transaction

from .citing import citations_sync
from .models import Article, Document, Nutrient

DOCUMENT_MODELS: tuple[type[Document], ...] = (Article, Nutrient)


def inline_managers(document: Document) -> list:
    """The related managers of a document's Markdown-bearing inlines."""
    if isinstance(document, Article):
        return [document.key_points, document.faqs]
    if isinstance(document, Nutrient):
        return [document.food_sources, document.interactions]
    return []


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


def documents_refresh_all() -> int:
    count = 0
    for model in DOCUMENT_MODELS:
        for document in model.objects.all():
            document_refresh(document=document)
            count += 1
    return count
