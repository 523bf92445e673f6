"""Deleting stored handouts that no page uses any more (after renders, and by command)."""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from ..models import Article, Nutrient
from . import store
from .document import PAPER_SIZES
from .keys import handout_key
from .models import Handout, HandoutState

logger = logging.getLogger(__name__)

# How often renders trigger a prune of unused handouts.
PRUNE_EVERY = timedelta(days=1)


def prune_due() -> bool:
    """True once per PRUNE_EVERY (counted in the shared cache): time for renders to prune."""
    return bool(cache.add("handouts:prune-due", True, timeout=PRUNE_EVERY.total_seconds()))


def current_keys(site_urls: Iterable[str]) -> set[str]:
    """Keys of the current single-page handouts of every published page, for these addresses."""
    documents = [*Article.objects.published(), *Nutrient.objects.published()]
    return {
        handout_key(parts=[document], paper=paper, site_url=site_url)
        for site_url in site_urls
        for document in documents
        for paper in PAPER_SIZES
    }


def handouts_prune(*, older_than: timedelta, site_urls: Iterable[str] | None = None) -> int:
    """Delete stored handouts that no published page's current version is and nobody used lately.

    Kept: the current handout of every published page (for ``site_urls``: by default
    CRAMPS_SITE_URL, or every address handouts were made for), anything used within
    ``older_than``, and renders still queued or running. Files left without a row go too.
    Returns how many handouts were deleted.
    """
    cutoff = timezone.now() - older_than
    old = Handout.objects.filter(last_used__lt=cutoff, state__in=[HandoutState.READY, HandoutState.FAILED])
    deleted = 0
    if old.exists():
        if site_urls is None:
            site_urls = (
                [settings.CRAMPS_SITE_URL]
                if settings.CRAMPS_SITE_URL
                else Handout.objects.values_list("site_url", flat=True).distinct()
            )
        keep = current_keys(list(site_urls))
        for key in old.exclude(key__in=keep).values_list("key", flat=True).iterator():
            store.pdf_delete(key)
            Handout.objects.filter(key=key).delete()
            deleted += 1
    orphans = store.stored_keys() - set(Handout.objects.values_list("key", flat=True))
    for key in orphans:
        store.pdf_delete(key)
    if deleted or orphans:
        logger.info("Pruned %d stored handouts and %d files without a row", deleted, len(orphans))
    return deleted + len(orphans)
