"""Formatted reference-list entries, cached per reference and style.

citeproc-py is slow compared with a page render, so each entry is formatted once per
(reference, last change, style) and kept in the cache; editing a reference changes its
``updated`` time and therefore its cache key, so stale entries are never served.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache

from .csl import format_bibliography
from .models import Reference

CACHE_SECONDS = 60 * 60 * 24 * 30


def _cache_key(reference: Reference, style: str) -> str:
    return f"csl:{style}:{reference.pk}:{reference.updated.timestamp():.6f}"


def formatted_entries(references: Iterable[Reference], style: str | None = None) -> dict[int, str]:
    """{reference pk: formatted HTML entry} for ``references`` in the configured CSL style."""
    style = style or settings.CRAMPS_CITATION_STYLE
    references = list(references)
    keys = {reference.pk: _cache_key(reference, style) for reference in references}
    cached = cache.get_many(list(keys.values()))
    entries = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [reference for reference in references if reference.pk not in entries]
    if missing:
        formatted = format_bibliography([reference.csl for reference in missing], style)
        fresh = {reference.pk: formatted[reference.key] for reference in missing}
        cache.set_many({keys[pk]: html for pk, html in fresh.items()}, CACHE_SECONDS)
        entries.update(fresh)
    return entries
