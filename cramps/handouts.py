"""PDF handouts: one or more documents typeset for a reader to take to their doctor.

All WeasyPrint work lives here, in four layers:

- ``StaticOnlyURLFetcher`` is the only way WeasyPrint can load anything: our own static files
  (read from disk, never over HTTP) and ``data:`` images. Everything else an editor may write
  (other hosts, loopback, ``file://``, redirects, ``@import``) is refused and simply left out.
- ``handout_html`` builds the document from the cached HTML fields, with one citation
  numbering and one reference list across every part.
- ``pdf_render`` turns that HTML into PDF bytes in a forked child process with a memory
  limit and a wall-clock timeout, so a runaway render cannot take the web process with it.
- ``handout_get`` keys the PDF on everything that shows in it and keeps it in
  ``default_storage`` (``handouts/<sha256>.pdf``, written atomically); a stored handout is
  served without rendering, and simultaneous requests for a missing one render it once.
"""

import functools
import hashlib
import json
import logging
import math
import mimetypes
import multiprocessing
import os
import posixpath
import re
import resource
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import DataHandler, Request

import weasyprint
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.db.models import prefetch_related_objects
from django.dispatch import Signal
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils._os import safe_join
from django.utils.html import strip_tags
from django.utils.text import slugify
from weasyprint.urls import URLFetcher, URLFetcherResponse

from references.bibliography import formatted_entries
from references.citations import number_citations_html, number_keys

from .citing import CitationContext, Entry
from .models import Article, Citation, Document, Nutrient

logger = logging.getLogger(__name__)

PAPER_SIZES = ("a4", "letter")
MAX_PARTS = 20
STORE_FOLDER = "handouts"
# Everything that shapes a handout's look; their contents are part of every handout's key.
TEMPLATES = (
    "handouts/handout.html",
    "handouts/_part.html",
    "handouts/_disclaimer.html",
    "handouts/_notes.html",
)
STYLESHEET = "css/handout.css"
# Bump when code here changes what a handout looks like without a template or CSS change.
HANDOUT_VERSION = 1
# How long past the render timeout another request waits for a render in progress.
LOCK_MARGIN_SECONDS = 10
POLL_SECONDS = 0.1

# Sent after every successful render (not when a stored handout is served):
# key, seconds, size (bytes). For logs and metrics, and for tests to count renders.
handout_rendered = Signal()


class HandoutError(Exception):
    """A handout could not be made (render failed, timed out or ran out of memory)."""


class URLRefused(ValueError):
    """The handout fetcher will not load this URL."""


# --- Loading resources ---------------------------------------------------------------------


def static_file(relative: str) -> Path | None:
    """The file behind a static path (``css/handout.css``), from the finders or STATIC_ROOT."""
    if "\x00" in relative or posixpath.normpath(relative) != relative or relative.startswith(("/", "..")):
        return None
    found = finders.find(relative)
    if found and Path(found).is_file():
        return Path(found)
    if settings.STATIC_ROOT:
        try:
            candidate = Path(safe_join(settings.STATIC_ROOT, relative))
        except SuspiciousFileOperation:
            return None
        if candidate.is_file():
            return candidate
    return None


class StaticOnlyURLFetcher(URLFetcher):
    """Loads our static files from disk and ``data:`` images; refuses every other URL.

    ``static_url`` is the absolute URL static files have in the handout's HTML (the base URL
    joined with STATIC_URL). Nothing is ever fetched over the network, so other hosts,
    loopback, redirects and ``file://`` are all out of reach whatever the HTML says.
    """

    def __init__(self, *, static_url: str) -> None:
        # The parent's HTTP machinery is switched off too, should anything reach it.
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.static_url = static_url

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url.startswith(self.static_url):
            return self._static(url)
        if url[:5].lower() == "data:":
            return self._data_image(url)
        logger.warning("Handout refused to load %.200s", url)
        raise URLRefused(f"Handouts load only their own static files and data: images, not {url[:200]}")

    def _static(self, url: str) -> URLFetcherResponse:
        path = static_file(unquote(urlsplit(url[len(self.static_url) :]).path))
        if path is None:
            logger.warning("Handout refused static path %.200s", url)
            raise URLRefused(f"No such static file: {url[:200]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def _data_image(self, url: str) -> URLFetcherResponse:
        response = DataHandler().data_open(Request(url))
        if not response.headers.get_content_type().startswith("image/"):
            raise URLRefused("Only data: URLs holding images are loaded.")
        return URLFetcherResponse(url, response.read(), dict(response.headers))


# --- Building the HTML ---------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One document inside a handout, ready for ``handouts/_part.html``."""

    document: Document
    kind: str
    number: int
    url: str
    body_html: str
    toc: list[dict]

    @property
    def anchor(self) -> str:
        return f"part-{self.number}"


_SECTION_ANCHOR = re.compile(r'(\bid="|\bhref="#)sec-')


def _prefixed_anchors(html: str, prefix: str) -> str:
    """Heading ids are unique within a document; prefix them so they stay unique in a handout."""
    return _SECTION_ANCHOR.sub(rf"\g<1>{prefix}sec-", html)


INLINES: dict[type[Document], tuple[str, ...]] = {
    Article: ("key_points", "faqs"),
    Nutrient: ("food_sources", "interactions"),
}


def _prefetch(parts: Sequence[Document]) -> None:
    """Load what a handout shows (inlines, tags, citations) for every part in a few queries."""
    for model, inlines in INLINES.items():
        documents = [document for document in parts if isinstance(document, model)]
        prefetch_related_objects(documents, "tags", "citations__reference", *inlines)


def _citations(document: Document) -> list:
    return sorted(document.citations.all(), key=lambda citation: citation.number)


def merged_citations(parts: Sequence[Document]) -> CitationContext:
    """One numbering and reference list across parts, by first appearance in part order."""
    citations = [citation for document in parts for citation in _citations(document)]
    numbering = number_keys(citation.reference.key for citation in citations)
    references = {citation.reference.key: citation.reference for citation in citations}
    html = formatted_entries(references.values())
    entries = [Entry(number, references[key], html[references[key].pk]) for key, number in numbering.items()]
    return CitationContext(numbering=numbering, entries=entries, anchored=set())


def _title(parts: Sequence[Document]) -> str:
    """The document's title: the page's own, or "Handout: A; B; C and 4 more" for several."""
    if len(parts) == 1:
        return parts[0].title
    titles = "; ".join(document.title for document in parts[:3])
    more = f" and {len(parts) - 3} more" if len(parts) > 3 else ""
    return f"Handout: {titles}{more}"


def handout_filename(parts: Sequence[Document]) -> str:
    """``cramps-magnesium-handout.pdf``; up to three slugs, then a count."""
    slugs = [document.slug for document in parts]
    name = "-".join(slugs) if len(slugs) <= 3 else f"{len(slugs)}-topics"
    return f"{slugify(settings.CRAMPS_SITE_NAME) or 'site'}-{name[:120]}-handout.pdf"


def site_root(site_url: str) -> str:
    """``https://example.org/`` from any URL on the site: what handouts call the site's address."""
    return urljoin(site_url, "/")


def handout_html(
    *, parts: Sequence[Document], paper: str, site_url: str, generated: datetime | None = None
) -> str:
    """The handout as one HTML document for WeasyPrint (``handouts/handout.html``)."""
    site_url = site_root(site_url)
    _prefetch(parts)
    citations = merged_citations(parts)
    prepared = [
        Part(
            document=document,
            kind=document._meta.model_name,
            number=number,
            url=urljoin(site_url, document.get_absolute_url()),
            body_html=_prefixed_anchors(document.body_html, f"p{number}-"),
            toc=[{**heading, "anchor": f"p{number}-{heading['anchor']}"} for heading in document.toc],
        )
        for number, document in enumerate(parts, start=1)
    ]
    tags = dict.fromkeys(tag.name for document in parts for tag in document.tags.all())
    if len(parts) == 1:
        description = strip_tags(number_citations_html(parts[0].summary_html, citations.numbering))
    else:
        titles = "; ".join(document.title for document in parts)
        description = f"For discussion with a healthcare provider: {titles}."
    context = {
        "title": _title(parts),
        "description": description,
        "keywords": ", ".join(tags),
        "parts": prepared,
        "combined": len(prepared) > 1,
        "citations": citations,
        "paper": paper,
        "site_name": settings.CRAMPS_SITE_NAME,
        "site_url": site_url,
        "stylesheet": static(STYLESHEET),
        "updated": max(document.updated for document in parts),
        "generated": generated or timezone.now(),
    }
    return render_to_string("handouts/handout.html", context)


# --- Rendering with limits -----------------------------------------------------------------


def _address_space_bytes() -> int:
    """This process's current virtual size; a forked child starts with its parent's."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _lower_limit(kind: int, soft: int) -> None:
    _, hard = resource.getrlimit(kind)
    resource.setrlimit(kind, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _render_in_child(connection, html: str, base_url: str, memory_mb: int, timeout: float) -> None:
    """Runs in the forked child: limit itself, render, send ("pdf", bytes) or ("error", text)."""
    try:
        # Memory on top of what the child starts with (its parent's, shared copy-on-write).
        _lower_limit(resource.RLIMIT_AS, _address_space_bytes() + memory_mb * 1024 * 1024)
        # A backstop should the parent die and never kill us; and no core files.
        _lower_limit(resource.RLIMIT_CPU, math.ceil(timeout) + 5)
        _lower_limit(resource.RLIMIT_CORE, 0)
        fetcher = StaticOnlyURLFetcher(static_url=urljoin(base_url, settings.STATIC_URL))
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
        connection.send(("pdf", document.write_pdf(pdf_variant="pdf/ua-1")))
    except MemoryError:
        connection.send(("error", f"MemoryError: the render needed more than {memory_mb} MB"))
    except BaseException as error:  # noqa: BLE001 - everything must reach the parent as text
        connection.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        connection.close()


def pdf_render(*, html: str, base_url: str) -> bytes:
    """Render HTML to PDF in a child process, within CRAMPS_HANDOUT_TIMEOUT and _MEMORY_MB.

    The child only runs WeasyPrint; this process never does, so forking is safe even from a
    threaded server. A child that overruns is killed; every failure raises HandoutError.
    """
    timeout = float(getattr(settings, "CRAMPS_HANDOUT_TIMEOUT", 60))
    memory_mb = int(getattr(settings, "CRAMPS_HANDOUT_MEMORY_MB", 1024))
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_render_in_child, args=(sender, html, base_url, memory_mb, timeout), name="handout-render"
    )
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise HandoutError(f"The PDF took longer than {timeout:g} seconds to make.")
        try:
            outcome, payload = receiver.recv()
        except EOFError:
            outcome, payload = "crash", None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome == "pdf":
        return payload
    # Details go to the log; readers get a plain sentence.
    if outcome == "crash":
        logger.error("Handout renderer died (exit code %s; memory limit %d MB)", child.exitcode, memory_mb)
        raise HandoutError("The PDF could not be made: the renderer stopped, perhaps for lack of memory.")
    logger.error("Handout render failed: %s", payload)
    raise HandoutError("The PDF could not be made.")


def handout_render(*, parts: Sequence[Document], paper: str, site_url: str) -> bytes:
    """Build and render a handout (not stored; see ``handout_get``)."""
    html = handout_html(parts=parts, paper=paper, site_url=site_url)
    return pdf_render(html=html, base_url=site_root(site_url))


# --- The store -----------------------------------------------------------------------------


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
