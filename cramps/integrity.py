"""Citation integrity of the content: which documents cite keys that match no reference."""

from collections.abc import Iterator
from dataclasses import dataclass

from references.validators import unknown_keys

from .models import Document
from .services import DOCUMENT_MODELS, inline_prefetches


@dataclass(frozen=True)
class BrokenCitation:
    document: Document
    where: str
    key: str

    def __str__(self) -> str:
        return f"{self.document.kind_label} “{self.document}” ({self.where}): unknown key @{self.key}"


def broken_citations(document: Document) -> list[BrokenCitation]:
    return [
        BrokenCitation(document, where, key)
        for where, text in document.citation_sources()
        for key in unknown_keys(text)
    ]


def all_broken_citations() -> Iterator[BrokenCitation]:
    for model in DOCUMENT_MODELS:
        for document in model.objects.prefetch_related(*inline_prefetches(model)):
            yield from broken_citations(document)
