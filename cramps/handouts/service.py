"""Getting a handout to a reader: render each version once, in the background, and keep it.

A request asks ``handout_obtain`` for a handout. A stored one is served at once. A missing one
gets a ``Handout`` row (its unique key is the claim: however many processes ask at once, one
row is created and one render queued) and a background task renders it; meanwhile the reader
sees a page that refreshes until the PDF is ready. Failures are kept on the row long enough to
be shown once; the next request queues a fresh render.

Renders that lose their worker (killed, machine restarted) are noticed by their age and queued
again. The render itself is ``rendering.py``'s job (in the task); pruning is ``prune.py``'s.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from ..models import Document
from . import tasks
from .document import PAPER_SIZES, site_root
from .keys import handout_key
from .models import Handout, HandoutLayout, HandoutState

logger = logging.getLogger(__name__)

# How often a served handout's last use is written (one write per handout per period).
TOUCH_EVERY = timedelta(hours=1)


class RenderRefused(Exception):
    """The client has used up its budget of new renders; stored handouts are still served."""


def handout_site_url(request: HttpRequest) -> str:
    """The address printed on handouts: CRAMPS_SITE_URL when set, else the one requested."""
    return site_root(settings.CRAMPS_SITE_URL or request.build_absolute_uri("/"))


def _queue(handout: Handout) -> bool:
    """Queue the render of a queued row. If the task queue refuses (Redis down, with the rq
    backend) the row fails instead, so the reader is told to try again rather than wait."""
    try:
        tasks.render_handout.enqueue(handout.key)
    except Exception:
        logger.exception("Could not queue the render of handout %s", handout.key)
        Handout.objects.filter(pk=handout.pk, state=HandoutState.QUEUED).update(
            state=HandoutState.FAILED, error="The queue of PDFs to make is not available just now."
        )
        return False
    return True


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
                              site_url=handout.site_url, layout=handout.layout)  # fmt: skip


def handout_obtain(
    *,
    key: str,
    parts: Sequence[Document],
    paper: str,
    site_url: str,
    may_queue: Callable[[], bool] | None = None,
    layout: str = HandoutLayout.PAGES,
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
            key=key,
            defaults={"parts": Handout.parts_spec(parts), "paper": paper, "site_url": site_root(site_url),
                      "layout": layout},
        )  # fmt: skip
        if created:
            _queue(handout)
            handout = _fresh(handout)
    elif handout.state == HandoutState.READY:
        handout_touch(handout)
    elif handout.is_stalled() and _requeue(handout, previous=handout.state):
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


def handouts_queue_for(document: Document, *, site_url: str) -> int:
    """Queue the single-page handouts (every paper size) of a document that is not stored yet."""
    # As saved: the sender's copy may predate a queryset update (the key must match the worker's).
    document = type(document).objects.get(pk=document.pk)
    queued = 0
    for paper in PAPER_SIZES:
        key = handout_key(parts=[document], paper=paper, site_url=site_url)
        handout, created = Handout.objects.get_or_create(
            key=key,
            defaults={
                "parts": Handout.parts_spec([document]),
                "paper": paper,
                "site_url": site_root(site_url),
            },
        )
        if created:
            if _queue(handout):
                queued += 1
            else:
                # No reader asked for it: the first one to ask queues it afresh.
                handout.delete()
    return queued
