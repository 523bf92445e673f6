"""Rendering a handout that a worker (or ``render_handouts``) has claimed, and storing it.

The claim is an UPDATE of the handout's row from "queued" (or, for the command, from anything
but a render still running) to "rendering": whichever process changes the row renders, and
the row ends "ready" or "failed".
"""

import logging
import time
from collections.abc import Sequence

from django.dispatch import Signal
from django.utils import timezone

from ..models import Document
from . import store
from .document import handout_render, site_root
from .keys import handout_key
from .models import Handout, HandoutState
from .render import HandoutError

logger = logging.getLogger(__name__)

# Sent after every successful render (not when a stored handout is served):
# key, seconds, size (bytes). For logs and metrics, and for tests to count renders.
handout_rendered = Signal()


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
        key=key,
        defaults={"parts": Handout.parts_spec(parts), "paper": paper, "site_url": site_root(site_url)},
    )
    if handout.state == HandoutState.READY and not force:
        return "already stored"
    if handout.state == HandoutState.RENDERING and not handout.is_stalled():
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
    parts = parts if parts is not None else handout.documents()
    if parts is None:
        return _fail(handout, "A page in this handout no longer exists.")
    if (
        handout_key(parts=parts, paper=handout.paper, site_url=handout.site_url, layout=handout.layout)
        != handout.key
    ):
        # Edited since it was queued: this version will never be asked for again.
        handout.delete()
        return "changed"
    started = time.monotonic()
    try:
        pdf = handout_render(
            parts=parts, paper=handout.paper, site_url=handout.site_url, layout=handout.layout
        )
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
    return "rendered"


def _fail(handout: Handout, error: str) -> str:
    Handout.objects.filter(pk=handout.pk).update(state=HandoutState.FAILED, error=error)
    return "failed"
