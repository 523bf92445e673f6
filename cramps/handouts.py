"""PDF handouts: one or more documents typeset for a reader to take to their doctor.

All WeasyPrint work lives here, in three layers:

- ``StaticOnlyURLFetcher`` is the only way WeasyPrint can load anything: our own static files
  (read from disk, never over HTTP) and ``data:`` images. Everything else an editor may write
  (other hosts, loopback, ``file://``, redirects, ``@import``) is refused and simply left out.
- ``handout_html`` builds the document from the cached HTML fields, with one citation
  numbering and one reference list across every part.
- ``pdf_render`` turns that HTML into PDF bytes in a forked child process with a memory
  limit and a wall-clock timeout, so a runaway render cannot take the web process with it.
Storing and reusing rendered PDFs is ``cramps.handout_store``'s job.
"""

import faulthandler
import logging
import math
import mimetypes
import multiprocessing
import os
import posixpath
import re
import resource
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import DataHandler, Request

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils._os import safe_join
from django.utils.html import strip_tags
from django.utils.text import slugify
from weasyprint.urls import URLFetcher, URLFetcherResponse

from references.bibliography import formatted_entries
from references.citations import number_citations_html, number_keys

from .citing import CitationContext, Entry
from .models import Document
from .services import INLINES

logger = logging.getLogger(__name__)

PAPER_SIZES = ("a4", "letter")
MAX_PARTS = 20
# Everything that shapes a handout's look; their contents are part of every handout's key.
TEMPLATES = (
    "handouts/handout.html",
    "handouts/_part.html",
    "handouts/_disclaimer.html",
    "handouts/_notes.html",
)
STYLESHEET = "css/handout.css"


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
    return CitationContext(numbering=numbering, entries=entries)


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
        # A child that dies at its memory limit is expected; no traceback dump on stderr.
        faulthandler.disable()
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
    except BaseException as error:
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
    # Unwritten output would otherwise be written again by the child.
    sys.stdout.flush()
    sys.stderr.flush()
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
