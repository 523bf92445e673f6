"""One row per handout version: which pages, paper and site it is for, and how its render went.

The row is created before anything is rendered; its unique ``key`` is how one process (of any
number, on any server sharing the database) claims the render, so each version is rendered
once without a cache or a file lock. The PDF itself lives in storage (``store.py``).
"""

from collections.abc import Sequence
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone

# A queued render that no worker has started by then is queued again (the task was lost).
QUEUE_PATIENCE = timedelta(minutes=5)
# Past the render time limit, a render still marked as running has lost its worker.
RENDER_MARGIN = timedelta(seconds=30)


class HandoutState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class HandoutLayout(models.TextChoices):
    PAGES = "pages", "Pages one after another"
    COMPARISON = "comparison", "Nutrients side by side"


class Handout(models.Model):
    key = models.CharField(max_length=64, unique=True, help_text="sha256 of everything the PDF shows.")
    parts = models.JSONField(help_text='The pages in order, as [["cramps.article", pk], …].')
    paper = models.CharField(max_length=10)
    layout = models.CharField(max_length=12, choices=HandoutLayout.choices, default=HandoutLayout.PAGES)
    site_url = models.CharField(max_length=300)
    state = models.CharField(max_length=10, choices=HandoutState.choices, default=HandoutState.QUEUED)
    error = models.TextField(blank=True)
    size = models.PositiveIntegerField(default=0, help_text="Bytes of the stored PDF.")
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    last_used = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-queued_at"]

    def __str__(self) -> str:
        return f"{self.key[:12]} ({self.get_state_display()}, {self.paper})"

    @staticmethod
    def parts_spec(parts: Sequence[models.Model]) -> list[list]:
        """How a row names its pages: [[model label, pk], …]."""
        return [[document._meta.label_lower, document.pk] for document in parts]

    def documents(self) -> list | None:
        """The pages this handout shows, in order; None if one of them no longer exists."""
        documents = []
        for label, pk in self.parts:
            document = apps.get_model(label).objects.filter(pk=pk).first()
            if document is None:
                return None
            documents.append(document)
        return documents

    def is_stalled(self) -> bool:
        """Queued or rendering for longer than any worker would take: its worker was lost."""
        now = timezone.now()
        if self.state == HandoutState.QUEUED:
            return self.queued_at < now - QUEUE_PATIENCE
        if self.state == HandoutState.RENDERING:
            limit = timedelta(seconds=float(settings.CRAMPS_HANDOUT_TIMEOUT)) + RENDER_MARGIN
            return self.started_at is None or self.started_at < now - limit
        return False
