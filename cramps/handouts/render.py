"""Turning handout HTML into PDF bytes with WeasyPrint, safely.

- ``StaticOnlyURLFetcher`` is the only way WeasyPrint can load anything: our own static files
  (read from disk, never over HTTP) and ``data:`` images. Everything else an editor may write
  (other hosts, loopback, ``file://``, redirects, ``@import``) is refused and simply left out.
- ``pdf_render`` is the one entry point. It hands the work to a ``Renderer``; the one used
  today, ``ForkRenderer``, renders in a forked child process with a memory limit and a
  wall-clock timeout, so a runaway render cannot take the calling process with it. Another
  renderer (a warm, reused process) can take its place behind the same interface.
"""

import faulthandler
import logging
import math
import mimetypes
import multiprocessing
import os
import posixpath
import resource
import sys
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import DataHandler, Request

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)


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


class Renderer(Protocol):
    """Turns HTML into PDF bytes within the given limits, or raises HandoutError."""

    def render(self, *, html: str, base_url: str, timeout: float, memory_mb: int) -> bytes: ...


class ForkRenderer:
    """A fresh forked child per render.

    The child only runs WeasyPrint; the calling process never does, so forking is safe even
    from a threaded server. A child that overruns is killed; every failure raises HandoutError.
    """

    def render(self, *, html: str, base_url: str, timeout: float, memory_mb: int) -> bytes:
        return _render_forked(html=html, base_url=base_url, timeout=timeout, memory_mb=memory_mb)


renderer: Renderer = ForkRenderer()


def pdf_render(*, html: str, base_url: str) -> bytes:
    """Render HTML to PDF within CRAMPS_HANDOUT_TIMEOUT seconds and CRAMPS_HANDOUT_MEMORY_MB."""
    return renderer.render(
        html=html,
        base_url=base_url,
        timeout=float(settings.CRAMPS_HANDOUT_TIMEOUT),
        memory_mb=int(settings.CRAMPS_HANDOUT_MEMORY_MB),
    )


def _render_forked(*, html: str, base_url: str, timeout: float, memory_mb: int) -> bytes:
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
