"""Formatted reference-list entries, as readers see them, cached per reference and style.

An entry is the CSL style's text without the identifiers: PubMed, PMC and DOI are printed
once, as the links ``Reference.identifier_links`` gives, next to the entry. A source with none
of them keeps its web address in the entry, as a link.

citeproc-py is slow compared with a page render, so each entry is formatted once per
(reference, last change, style) and kept in the cache; editing a reference changes its
``updated`` time and therefore its cache key, so stale entries are never served.
"""

import html
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache

from .csl import format_bibliography
from .models import Reference

CACHE_SECONDS = 60 * 60 * 24 * 30
# Part of every cache key: raise it when what an entry holds changes.
ENTRY_VERSION = 2
_IDENTIFIER_VARIABLES = ("DOI", "PMID", "PMCID")


def _cache_key(reference: Reference, style: str) -> str:
    return f"csl:{ENTRY_VERSION}:{style}:{reference.pk}:{reference.updated.timestamp():.6f}"


def entry_item(reference: Reference) -> dict:
    """The CSL-JSON item an entry is formatted from: no identifiers, and a URL only when it
    is the one way to the source."""
    item = {name: value for name, value in reference.csl.items() if name not in _IDENTIFIER_VARIABLES}
    if reference.identifier_links or not reference.web_url:
        item.pop("URL", None)
    return item


def _link_web_address(entry: str, reference: Reference) -> str:
    """Make the web address printed in an entry a link (the style prints it as text)."""
    if not reference.web_url or reference.identifier_links:
        return entry
    shown = html.escape(reference.web_url, quote=False)
    link = f'<a href="{html.escape(reference.web_url)}" rel="noopener nofollow">{shown}</a>'
    return entry.replace(shown, link, 1)


def formatted_entries(references: Iterable[Reference], style: str | None = None) -> dict[int, str]:
    """{reference pk: formatted HTML entry} for ``references`` in the configured CSL style."""
    style = style or settings.CRAMPS_CITATION_STYLE
    references = list(references)
    keys = {reference.pk: _cache_key(reference, style) for reference in references}
    cached = cache.get_many(list(keys.values()))
    entries = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [reference for reference in references if reference.pk not in entries]
    if missing:
        formatted = format_bibliography([entry_item(reference) for reference in missing], style)
        fresh = {
            reference.pk: _link_web_address(formatted[reference.key], reference) for reference in missing
        }
        cache.set_many({keys[pk]: entry for pk, entry in fresh.items()}, CACHE_SECONDS)
        entries.update(fresh)
    return entries
