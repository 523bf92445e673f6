"""Versions, entries and memos of the page cache (see the package docstring)."""

import functools
import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from .keys import VERSION_PREFIX
from .tracking import tracker

# Changes anywhere: what a page that names no tokens depends on.
CONTENT = "content"
# Any article or nutrient (lists, tag pages, the builder, "cited by").
DOCUMENTS = "documents"
# Any reference (the reference list).
REFERENCES = "references"

CLOCK = "pagecache:clock"
ROOT = Path(settings.BASE_DIR)
# What shapes a page besides the data: templates, static files and the code rendering them.
DESIGN_SOURCES = (("templates", "*"), ("static", "*"), ("cramps", "*.py"), ("references", "*.py"))


def enabled() -> bool:
    """On only with a cache every process shares (``CRAMPS_PAGE_CACHE_SECONDS`` > 0)."""
    return settings.CRAMPS_PAGE_CACHE_SECONDS > 0


def document_token(document) -> str:
    return f"doc:{document._meta.label_lower}:{document.pk}"


def reference_token(key: str) -> str:
    return f"ref:{key}"


@functools.cache
def design_version() -> str:
    """A hash of the templates, static files and Python sources, read once per process."""
    digest = hashlib.sha256()
    for folder, pattern in DESIGN_SOURCES:
        for path in sorted((ROOT / folder).rglob(pattern)):
            if path.is_file() and "tests" not in path.relative_to(ROOT).parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _wall_ms() -> int:
    return int(time.time() * 1000)


def clock_now() -> int | None:
    """The logical clock; started at the wall time in ms, so a lost clock restarts ahead. None: no cache."""
    value = cache.get(CLOCK)
    if value is None:
        cache.add(CLOCK, _wall_ms(), timeout=None)
        value = cache.get(CLOCK)
    return value


def _tick() -> int | None:
    try:
        return cache.incr(CLOCK)
    except ValueError:
        cache.add(CLOCK, _wall_ms(), timeout=None)
        try:
            return cache.incr(CLOCK)
        except ValueError:
            return None


def _bump_now(tokens: frozenset[str]) -> None:
    version = _tick()
    if version is not None:
        cache.set_many({VERSION_PREFIX + token: version for token in tokens}, timeout=None)
        # After the write: a copy verified from here on was verified against the new versions.
        tracker.forget()


def documents_named(tokens: Iterable[str]) -> list[tuple[type, int]]:
    """(model, pk) of each document token among ``tokens``."""
    named = []
    for token in tokens:
        kind, _, rest = token.partition(":")
        if kind == "doc":
            label, _, pk = rest.rpartition(":")
            named.append((apps.get_model(label), int(pk)))
    return named


def bump(*tokens: str) -> None:
    """Give ``tokens`` (and ``CONTENT``) a new version: now, and again when the transaction commits.

    Now, so that nothing rendered from here on is kept as current; on commit, so that a page
    rendered meanwhile from the old rows is not kept either. The stored bodies of the documents
    named (and, with ``DOCUMENTS``, every stored page's related lists) are marked stale first
    (``cramps.pagebody``), whether or not the page cache is on.
    """
    from ..pagebody import invalidate

    invalidate(documents_named(tokens), any_document=DOCUMENTS in tokens)
    if not enabled():
        return
    tokens = frozenset((*tokens, CONTENT))
    _bump_now(tokens)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(functools.partial(_bump_now, tokens))


def depends(request: HttpRequest, *tokens: str) -> None:
    """Say that the page being rendered for ``request`` shows what ``tokens`` name."""
    request._pagecache_tokens = getattr(request, "_pagecache_tokens", frozenset()) | frozenset(tokens)


def request_tokens(request: HttpRequest) -> frozenset[str]:
    return getattr(request, "_pagecache_tokens", None) or frozenset((CONTENT,))


def is_current(clock: int, tokens: Iterable[str], until: float | None, versions: dict | None = None) -> bool:
    """True while no token has been bumped since ``clock`` and ``until`` (a timestamp) has not passed.

    ``versions`` are the tokens' versions when the caller read them already (``version_keys``).
    """
    if until is not None and time.time() >= until:
        return False
    if versions is None:
        versions = cache.get_many(version_keys(tokens))
    return all(version <= clock for version in versions.values())


def version_keys(tokens: Iterable[str]) -> list[str]:
    return [VERSION_PREFIX + token for token in tokens]


def memo(name: str, tokens: Iterable[str], compute: Callable[[], object], *, until=None):
    """``compute()``, kept in the cache under ``name`` while ``tokens`` are unchanged and before ``until``.

    ``until`` is a datetime, None, or a function of the value giving one.
    """
    if not enabled():
        return compute()
    key = f"pagecache:memo:{design_version()}:{name}"
    keys = version_keys(tokens)
    # The entry and its tokens' versions in one round trip.
    found = cache.get_many([key, *keys])
    entry = found.pop(key, None)
    if entry is not None and is_current(entry["clock"], tokens, entry["until"], found):
        return entry["value"]
    clock = clock_now()
    value = compute()
    if clock is not None:
        limit = until(value) if callable(until) else until
        store(key, {"clock": clock, "value": value, "until": _timestamp(limit)})
    return value


def _timestamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def lifetime(entry: dict) -> float:
    """Seconds ``entry`` may be kept: CRAMPS_PAGE_CACHE_SECONDS at most, and not past its ``until``."""
    timeout = settings.CRAMPS_PAGE_CACHE_SECONDS
    if entry["until"] is not None:
        timeout = min(timeout, entry["until"] - time.time())
    return timeout


def store(key: str, entry: dict) -> None:
    """Keep ``entry`` for its ``lifetime`` (not at all when that is under a second)."""
    timeout = lifetime(entry)
    if timeout >= 1:
        cache.set(key, entry, timeout=int(timeout))


def next_publication(*, cached: bool = True) -> datetime | None:
    """When the next scheduled page becomes public (what every page may then show changes).

    ``cached=False``: read from the database now, not from the memo, which may lag a commit by
    the moment before its on-commit bump (``pagebody.kept`` keeps pages beyond that).
    """
    from django.utils import timezone

    from ..services import DOCUMENT_MODELS

    def compute() -> datetime | None:
        now = timezone.now()
        times = [
            model.objects.filter(status="published", publish_at__gt=now)
            .order_by("publish_at")
            .values_list("publish_at", flat=True)
            .first()
            for model in DOCUMENT_MODELS
        ]
        return min((moment for moment in times if moment is not None), default=None)

    if not cached:
        return compute()
    return memo("next-publication", [DOCUMENTS], compute, until=lambda moment: moment)


@dataclass(frozen=True)
class CachedPage:
    """How a view is cached: the query parameters that may vary it (any other one: not cached)."""

    query: tuple[str, ...] = ()


def cached_page(view=None, *, query: Iterable[str] = ()):
    """Mark a function view as cacheable for anonymous readers (``@cached_page`` or ``@cached_page(query=…)``).

    A class-based view opts in with a class attribute instead: ``cached_page = CachedPage(query=…)``.
    """
    options = CachedPage(query=tuple(query))

    def mark(function):
        function.cached_page = options
        return function

    return mark(view) if view is not None else mark


def shareable(response: HttpResponse) -> bool:
    """May ``response`` be kept and given to other readers: a whole 200 response that sets no
    cookie and is not ``private`` or ``no-store`` (an editor's preview)."""
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
    )
