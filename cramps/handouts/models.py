"""One row per handout version: which pages, paper and site it is for, and how its render went.

The row is created before anything is rendered; its unique ``key`` is how one process (of any
number, on any server sharing the database) claims the render, so each version is rendered
once without a cache or a file lock. The PDF itself lives in storage (``store.py``).
"""

from django.db import models
from django.utils import timezone


class HandoutState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class Handout(models.Model):
    key = models.CharField(max_length=64, unique=True, help_text="sha256 of everything the PDF shows.")
    parts = models.JSONField(help_text='The pages in order, as [["cramps.article", pk], …].')
    paper = models.CharField(max_length=10)
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
