"""The handout store: rendered PDFs kept under a hash of everything that shows in them.

``handout_get`` keys a handout on its documents, inlines, tags, cited references, paper, site
and design, and keeps the PDF in ``default_storage`` (``handouts/<sha256>.pdf``, written
atomically). A stored handout is served without touching WeasyPrint; simultaneous requests for
a missing one, in this process or on other servers sharing the cache, render it once.
"""

import functools
import hashlib
import json
import logging
import math
import os
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import weasyprint
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.dispatch import Signal
from django.template.loader import get_template

from .handouts import STYLESHEET, TEMPLATES, HandoutError, handout_render, site_root, static_file
from .models import Citation, Document
from .services import INLINES

logger = logging.getLogger(__name__)

STORE_FOLDER = "handouts"
# Bump when code changes what a handout looks like without a template or CSS change.
HANDOUT_VERSION = 1
# How long past the render timeout another request waits for a render in progress.
LOCK_MARGIN_SECONDS = 10
POLL_SECONDS = 0.1

# Sent after every successful render (not when a stored handout is served):
# key, seconds, size (bytes). For logs and metrics, and for tests to count renders.
handout_rendered = Signal()


@dataclass(frozen=True)
class StoredHandout:
    key: str
    path: Path
    size: int
    last_modified: datetime

    @property
    def etag(self) -> str:
        return f'"{self.key}"'


def _read_design_digest() -> str:
    stylesheet = static_file(STYLESHEET)
    sources = [get_template(name).template.source for name in TEMPLATES]
    sources.append(stylesheet.read_text() if stylesheet else "")
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()


_cached_design_digest = functools.cache(_read_design_digest)


def _design_digest() -> str:
    """A hash of the handout templates and stylesheet; re-read on every call only in DEBUG."""
    return _read_design_digest() if settings.DEBUG else _cached_design_digest()


def _related_content(parts: Sequence[Document]) -> dict[tuple[str, int], dict[str, list]]:
    """What shows of each part beyond its own row, as plain values in a few queries per model.

    Inline rows (all their fields), tag names, and each citation's number with its reference's
    pk and ``updated``. Cheap on purpose: it runs on every request for a handout.
    """
    content = {(document._meta.label, document.pk): defaultdict(list) for document in parts}
    for model in dict.fromkeys(type(document) for document in parts):
        pks = [document.pk for document in parts if type(document) is model]
        content_type = ContentType.objects.get_for_model(model)
        queries = [
            ("references", Citation.objects.filter(content_type=content_type, object_id__in=pks)
             .values_list("object_id", "number", "reference_id", "reference__updated")),
            ("tags", model.tags.through.objects.filter(content_type=content_type, object_id__in=pks)
             .order_by("tag__name").values_list("object_id", "tag__name")),
        ]  # fmt: skip
        for accessor in INLINES[model]:
            relation = getattr(model, accessor).rel
            inline, owner = relation.related_model, relation.field.attname
            fields = [field.attname for field in inline._meta.concrete_fields]
            rows = inline.objects.filter(**{f"{owner}__in": pks}).values_list(owner, *fields)
            queries.append(("inlines", rows))
        for name, rows in queries:
            for owner_pk, *values in rows:
                content[model._meta.label, owner_pk][name].append(values)
    return content


def handout_key(*, parts: Sequence[Document], paper: str, site_url: str) -> str:
    """sha256 over everything that shows in the handout, so any change makes a new PDF.

    Each part's own fields, inlines, tags and citations with each cited reference's pk and
    ``updated`` (its formatted entry is cached on the same); paper, site name and address,
    citation style, the handout templates and CSS, and the WeasyPrint version. The generation
    date is left out: it records when the stored PDF was made.
    """
    related = _related_content(parts)
    fingerprint = {
        "version": HANDOUT_VERSION,
        "weasyprint": weasyprint.__version__,
        "design": _design_digest(),
        "style": settings.CRAMPS_CITATION_STYLE,
        "site": [settings.CRAMPS_SITE_NAME, site_root(site_url)],
        "paper": paper,
        "parts": [
            {
                "model": document._meta.label,
                "public": document.is_public,
                "fields": [getattr(document, field.attname) for field in document._meta.concrete_fields],
                **related[document._meta.label, document.pk],
            }
            for document in parts
        ],
    }
    return hashlib.sha256(json.dumps(fingerprint, default=str, sort_keys=True).encode()).hexdigest()


def _store_name(key: str) -> str:
    return f"{STORE_FOLDER}/{key}.pdf"


def handout_stored(key: str) -> StoredHandout | None:
    """The stored handout for ``key``, or None. Never renders."""
    path = Path(default_storage.path(_store_name(key)))
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return StoredHandout(key, path, stat.st_size, datetime.fromtimestamp(int(stat.st_mtime), tz=UTC))


def handout_store(*, key: str, pdf: bytes) -> StoredHandout:
    """Write a PDF under ``key`` atomically: readers see the old file or the whole new one."""
    path = Path(default_storage.path(_store_name(key)))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pdf)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    stored = handout_stored(key)
    assert stored is not None
    return stored


def handouts_prune(*, keep: set[str], older_than: timedelta) -> int:
    """Delete stored handouts not in ``keep`` and last written more than ``older_than`` ago.

    Old versions pile up as content changes; recent unknown ones (combined handouts readers
    asked for) are left to be served. Returns how many files were deleted.
    """
    folder = Path(default_storage.path(STORE_FOLDER))
    cutoff = time.time() - older_than.total_seconds()
    deleted = 0
    for path in folder.glob("*.pdf"):
        if path.stem not in keep and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


_local_locks: dict[str, list] = {}
_local_locks_guard = threading.Lock()


@contextmanager
def _local_lock(key: str) -> Iterator[None]:
    """One lock per key in this process, dropped when no thread holds or waits for it."""
    with _local_locks_guard:
        entry = _local_locks.setdefault(key, [threading.Lock(), 0])
        entry[1] += 1
    try:
        with entry[0]:
            yield
    finally:
        with _local_locks_guard:
            entry[1] -= 1
            if entry[1] == 0:
                del _local_locks[key]


@contextmanager
def _shared_lock(key: str, *, ready) -> Iterator[StoredHandout | None]:
    """Hold the cross-process render lock for ``key`` (a cache entry: Redis in production).

    While another process holds it, poll until ``ready()`` finds that process's result (yielded)
    or the lock is released or expires; then take it and yield None: the caller renders. The
    lock outlives the longest render, so it is only lost when its holder died.
    """
    lock_seconds = math.ceil(float(getattr(settings, "CRAMPS_HANDOUT_TIMEOUT", 60)) + LOCK_MARGIN_SECONDS)
    lock_key, token = f"handout-lock:{key}", uuid.uuid4().hex
    deadline = time.monotonic() + lock_seconds + 1
    while not cache.add(lock_key, token, timeout=lock_seconds):
        if (stored := ready()) is not None:
            yield stored
            return
        if time.monotonic() > deadline:
            raise HandoutError("Another server is still making this PDF.")
        time.sleep(POLL_SECONDS)
    try:
        yield None
    finally:
        if cache.get(lock_key) == token:
            cache.delete(lock_key)


def handout_get(
    *, parts: Sequence[Document], paper: str, site_url: str, force: bool = False
) -> StoredHandout:
    """The stored handout for these parts, rendering and storing it first if it is missing.

    Serving a stored handout never touches WeasyPrint. Threads of this process, and other
    processes sharing the cache, wait for one render of the same key instead of repeating it.
    ``force`` renders again even if a stored copy exists.
    """
    key = handout_key(parts=parts, paper=paper, site_url=site_url)

    def existing() -> StoredHandout | None:
        return None if force else handout_stored(key)

    if (stored := existing()) is not None:
        return stored
    with _local_lock(key):
        # Checked again after each wait: whoever held the lock may have stored it meanwhile.
        if (stored := existing()) is not None:
            return stored
        with _shared_lock(key, ready=existing) as stored:
            if stored is not None or (stored := existing()) is not None:
                return stored
            started = time.monotonic()
            pdf = handout_render(parts=parts, paper=paper, site_url=site_url)
            stored = handout_store(key=key, pdf=pdf)
    seconds = time.monotonic() - started
    logger.info("Rendered handout %s (%d bytes) in %.2fs", key, len(pdf), seconds)
    handout_rendered.send(sender=StoredHandout, key=key, seconds=seconds, size=len(pdf))
    return stored
