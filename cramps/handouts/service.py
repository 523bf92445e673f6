"""Getting a handout to a reader: render each version once, in the background, and keep it.

A request asks ``handout_obtain`` for a handout. A stored one is served at once. A missing one
gets a ``Handout`` row (its unique key is the claim: however many processes ask at once, one
row is created and one render queued) and a background task renders it; meanwhile the reader
sees a page that refreshes until the PDF is ready. Failures are kept on the row long enough to
be shown once; the next request queues a fresh render.

Renders that lose their worker (killed, machine restarted) are noticed by their age and queued
again. Versions nobody uses any more are pruned (``handouts_prune``), automatically after
renders and by ``render_handouts --prune``.
"""

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone

from ..models import Article, Document, Nutrient
from . import store, tasks
from .document import PAPER_SIZES, handout_render, site_root
from .keys import handout_key
from .models import Handout, HandoutState
from .render import HandoutError

logger = logging.getLogger(__name__)

# Sent after every successful render (not when a stored handout is served):
# key, seconds, size (bytes). For logs and metrics, and for tests to count renders.
handout_rendered = Signal()

# A queued render that no worker has started by then is queued again (the task was lost).
QUEUE_PATIENCE = timedelta(minutes=5)
# Past the render time limit, a render still marked as running has lost its worker.
RENDER_MARGIN = timedelta(seconds=30)
# How often a served handout's last use is written (one write per handout per period).
TOUCH_EVERY = timedelta(hours=1)
# How often renders trigger a prune of unused handouts.
PRUNE_EVERY = timedelta(days=1)


class RenderRefused(Exception):
    """The client has used up its budget of new renders; stored handouts are still served."""


def handout_site_url(request: HttpRequest) -> str:
    """The address printed on handouts: CRAMPS_SITE_URL when set, else the one requested."""
    return site_root(settings.CRAMPS_SITE_URL or request.build_absolute_uri("/"))


def parts_spec(parts: Sequence[Document]) -> list[list]:
    return [[document._meta.label_lower, document.pk] for document in parts]


def parts_load(spec: list[list]) -> list[Document] | None:
    """The documents a row names, in order; None if one of them no longer exists."""
    parts = []
    for label, pk in spec:
        document = apps.get_model(label).objects.filter(pk=pk).first()
        if document is None:
            return None
        parts.append(document)
    return parts


def _stalled(handout: Handout) -> bool:
    now = timezone.now()
    if handout.state == HandoutState.QUEUED:
        return handout.queued_at < now - QUEUE_PATIENCE
    if handout.state == HandoutState.RENDERING:
        limit = timedelta(seconds=float(settings.CRAMPS_HANDOUT_TIMEOUT)) + RENDER_MARGIN
        return handout.started_at is None or handout.started_at < now - limit
    return False


def _queue(handout: Handout) -> None:
    tasks.render_handout.enqueue(handout.key)


def _requeue(handout: Handout, *, previous: str) -> bool:
    """Queue ``handout`` again if it is still in state ``previous`` (one process wins)."""
    requeued = Handout.objects.filter(pk=handout.pk, state=previous).update(
        state=HandoutState.QUEUED, queued_at=timezone.now(), started_at=None
    )
    if requeued:
        logger.warning("Handout %s was %s for too long; queued again", handout.key, previous)
        _queue(handout)
    return bool(requeued)


def _fresh(handout: Handout) -> Handout:
    """The row as it is now; a queued stand-in if a render replaced it meanwhile."""
    current = Handout.objects.filter(pk=handout.pk).first()
    return current or Handout(key=handout.key, parts=handout.parts, paper=handout.paper,
                              site_url=handout.site_url)  # fmt: skip


def handout_obtain(
    *,
    key: str,
    parts: Sequence[Document],
    paper: str,
    site_url: str,
    may_queue: Callable[[], bool] | None = None,
) -> Handout:
    """The row for this handout: ready (serve it), queued or rendering (come back), or failed.

    A missing handout is queued here, if ``may_queue()`` allows (else RenderRefused). A failed
    one is returned once, for its error to be shown, and forgotten, so the next request renders
    again. With the immediate task backend the render has run by the time this returns.
    """
    handout = Handout.objects.filter(key=key).first()
    if handout is None:
        if may_queue is not None and not may_queue():
            raise RenderRefused
        handout, created = Handout.objects.get_or_create(
            key=key, defaults={"parts": parts_spec(parts), "paper": paper, "site_url": site_root(site_url)}
        )
        if created:
            _queue(handout)
            handout = _fresh(handout)
    elif handout.state == HandoutState.READY:
        handout_touch(handout)
    elif _stalled(handout) and _requeue(handout, previous=handout.state):
        handout = _fresh(handout)
    if handout.state == HandoutState.FAILED:
        Handout.objects.filter(pk=handout.pk, state=HandoutState.FAILED).delete()
    return handout


def handout_touch(handout: Handout) -> None:
    """Record that a stored handout was used (at most once per TOUCH_EVERY), for pruning."""
    now = timezone.now()
    if handout.last_used < now - TOUCH_EVERY:
        Handout.objects.filter(pk=handout.pk).update(last_used=now)


def handout_lost(handout: Handout) -> None:
    """A ready row whose file has gone from storage: render it again."""
    logger.warning("Stored handout %s is missing from storage; queued again", handout.key)
    _requeue(handout, previous=HandoutState.READY)


def handout_render_queued(key: str) -> str:
    """Render a queued handout, if this process is the one that claims it (the task's body)."""
    claimed = Handout.objects.filter(key=key, state=HandoutState.QUEUED).update(
        state=HandoutState.RENDERING, started_at=timezone.now(), error=""
    )
    if not claimed:
        return "not queued"
    return _produce(Handout.objects.get(key=key))


def handout_render_now(*, parts: Sequence[Document], paper: str, site_url: str, force: bool = False) -> str:
    """Render and store a handout in this process unless it is stored (or ``force``).

    For ``render_handouts``. Returns "rendered", "already stored" or "rendering elsewhere";
    raises HandoutError if the render fails.
    """
    key = handout_key(parts=parts, paper=paper, site_url=site_url)
    handout, _ = Handout.objects.get_or_create(
        key=key, defaults={"parts": parts_spec(parts), "paper": paper, "site_url": site_root(site_url)}
    )
    if handout.state == HandoutState.READY and not force:
        return "already stored"
    if handout.state == HandoutState.RENDERING and not _stalled(handout):
        return "rendering elsewhere"
    claimed = Handout.objects.filter(pk=handout.pk, state=handout.state).update(
        state=HandoutState.RENDERING, started_at=timezone.now(), error=""
    )
    if not claimed:
        return "rendering elsewhere"
    if _produce(Handout.objects.get(pk=handout.pk), parts=parts) == "failed":
        # The error is this command's to report; readers will simply queue a new render.
        failed = Handout.objects.get(pk=handout.pk)
        failed.delete()
        raise HandoutError(failed.error)
    return "rendered"


def _produce(handout: Handout, parts: Sequence[Document] | None = None) -> str:
    """Render a claimed row and store the PDF; the row ends ready or failed."""
    parts = parts if parts is not None else parts_load(handout.parts)
    if parts is None:
        return _fail(handout, "A page in this handout no longer exists.")
    if handout_key(parts=parts, paper=handout.paper, site_url=handout.site_url) != handout.key:
        # Edited since it was queued: this version will never be asked for again.
        handout.delete()
        return "changed"
    started = time.monotonic()
    try:
        pdf = handout_render(parts=parts, paper=handout.paper, site_url=handout.site_url)
        store.pdf_save(key=handout.key, pdf=pdf)
    except HandoutError as error:
        return _fail(handout, str(error))
    except Exception:
        logger.exception("Handout %s could not be rendered", handout.key)
        return _fail(handout, "The PDF could not be made.")
    seconds = time.monotonic() - started
    now = timezone.now()
    Handout.objects.filter(pk=handout.pk).update(
        state=HandoutState.READY, size=len(pdf), rendered_at=now, last_used=now, error=""
    )
    logger.info("Rendered handout %s (%d bytes) in %.2fs", handout.key, len(pdf), seconds)
    handout_rendered.send(sender=Handout, key=handout.key, seconds=seconds, size=len(pdf))
    if cache.add("handouts:prune-due", True, timeout=PRUNE_EVERY.total_seconds()):
        tasks.prune_handouts.enqueue()
    return "rendered"


def _fail(handout: Handout, error: str) -> str:
    Handout.objects.filter(pk=handout.pk).update(state=HandoutState.FAILED, error=error)
    return "failed"


def handouts_queue_for(document: Document, *, site_url: str) -> int:
    """Queue the single-page handouts (every paper size) of a document that is not stored yet."""
    queued = 0
    for paper in PAPER_SIZES:
        key = handout_key(parts=[document], paper=paper, site_url=site_url)
        handout, created = Handout.objects.get_or_create(
            key=key,
            defaults={"parts": parts_spec([document]), "paper": paper, "site_url": site_root(site_url)},
        )
        if created:
            _queue(handout)
            queued += 1
    return queued


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
