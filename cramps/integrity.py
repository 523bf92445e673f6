"""Citation integrity of the content: what in a document's texts cannot be shown as a citation.

Two kinds of problem, each naming the page and the text it is in: a key that matches no
reference, and text that looks like a citation but is not read as one (``[@ key]``). Both use
the parser that renders the page. ``check_citations`` and the publish action refuse them.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from references.citations import citation_problems, cited_keys
from references.models import Reference

from .models import Document
from .services import DOCUMENT_MODELS, inline_prefetches


@dataclass(frozen=True)
class BrokenCitation:
    document: Document
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.document.kind_label} “{self.document}” ({self.where}): {self.message}"


def broken_citations(document: Document, known_keys: set[str] | None = None) -> list[BrokenCitation]:
    """Unknown keys and unreadable citations in every text of the document, in reading order.

    ``known_keys`` is every reference key, when the caller has them; otherwise they are looked up.
    """
    sources = document.citation_sources()
    if known_keys is None:
        cited = cited_keys(text for _, text in sources)
        known_keys = set(Reference.objects.filter(key__in=cited).values_list("key", flat=True))
    problems = []
    for where, text in sources:
        problems += [BrokenCitation(document, where, str(problem)) for problem in citation_problems(text)]
        problems += [
            BrokenCitation(document, where, f"unknown key @{key}")
            for key in cited_keys([text])
            if key not in known_keys
        ]
    return problems


def broken_summary_citations(references: list[Reference], known_keys: set[str]) -> list[str]:
    """Unknown keys and unreadable citations in study summaries (which have no Citation rows)."""
    problems = []
    for reference in references:
        found = [str(problem) for problem in citation_problems(reference.summary)]
        found += [f"unknown key @{key}" for key in cited_keys([reference.summary]) if key not in known_keys]
        problems += [f"the study summary of @{reference.key}: {problem}" for problem in found]
    return problems


def all_broken_citations() -> Iterator[BrokenCitation]:
    known_keys = set(Reference.objects.values_list("key", flat=True))
    for model in DOCUMENT_MODELS:
        for document in model.objects.prefetch_related(*inline_prefetches(model)):
            yield from broken_citations(document, known_keys)
