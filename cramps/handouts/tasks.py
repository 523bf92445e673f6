"""Background work for handouts, through Django's Tasks API (``django.tasks`` from Django 6).

A worker runs these: ``manage.py db_worker`` with the database backend, ``manage.py rqworker``
with RQ (settings: CRAMPS_TASKS_BACKEND); with the immediate backend (tests) they run as they
are enqueued. Arguments are plain strings and numbers, as every backend can store them.
"""

from datetime import timedelta

from django.conf import settings
from django_tasks import task

from .prune import handouts_prune, prune_due
from .rendering import handout_render_queued


@task()
def render_handout(key: str) -> str:
    """Render the queued handout ``key`` unless another worker already claimed it.

    Renders also keep the store tidy: once a day one of them queues a prune.
    """
    outcome = handout_render_queued(key)
    if outcome == "rendered" and prune_due():
        prune_handouts.enqueue()
    return outcome


@task()
def prune_handouts() -> int:
    """Delete stored handouts no page uses and no reader asked for in CRAMPS_HANDOUT_KEEP_DAYS."""
    return handouts_prune(older_than=timedelta(days=settings.CRAMPS_HANDOUT_KEEP_DAYS))
