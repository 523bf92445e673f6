"""Turning handout HTML into PDF bytes with WeasyPrint, safely.

- ``StaticOnlyURLFetcher`` is the only way WeasyPrint can load anything: our own static files
  (read from disk, never over HTTP) and ``data:`` images. Everything else an editor may write
  (other hosts, loopback, ``file://``, redirects, ``@import``) is refused and simply left out.
- ``pdf_render`` is the one entry point. It hands the work to a ``Renderer``: ``WarmRenderer``
  keeps one renderer process per calling process, warm and reused, with a memory limit per
  render and a wall-clock timeout, so a runaway render cannot take the calling process with it.
- ``Styles`` is what that process keeps between renders: one font configuration and our own
  stylesheets, parsed once and again only when their file changes.
"""

import atexit
import logging
import math
import mimetypes
import os
import posixpath
import resource
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import DataHandler, Request

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join
from weasyprint.text.fonts import FontConfiguration
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


def address_space_bytes() -> int:
    """This process's current virtual size."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def _set_soft_limit(kind: int, soft: int) -> None:
    _, hard = resource.getrlimit(kind)
    resource.setrlimit(kind, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


class _FontConfiguration(FontConfiguration):
    """Counts the ``@font-face`` rules it is given, so a document's own fonts can be told apart."""

    faces = 0

    def add_font_face(self, rule_descriptors, url_fetcher):
        self.faces += 1
        return super().add_font_face(rule_descriptors, url_fetcher)


class Styles:
    """What a renderer process keeps from one render to the next (``render_worker``).

    One FontConfiguration, so Pango's font caches stay warm, and each of our stylesheets parsed
    once: ``pdf`` parses a stylesheet again only when its file's size or modification time has
    changed, or when it is asked for under another static URL (the URLs inside it resolve
    against that). A document that brings ``@font-face`` rules of its own would leave its fonts
    in the shared configuration, so after such a render both start afresh.
    """

    def __init__(self) -> None:
        self._start_afresh()

    def _start_afresh(self) -> None:
        self._fonts = _FontConfiguration()
        self._sheets: dict[tuple[str, str], tuple[tuple[int, int], weasyprint.CSS]] = {}

    def pdf(
        self, *, html: str, base_url: str, static_url: str, stylesheets: Sequence[tuple[str, str]]
    ) -> bytes:
        """``html`` as a PDF, with ``stylesheets`` ((file, URL) pairs) as user stylesheets."""
        fetcher = StaticOnlyURLFetcher(static_url=static_url)
        sheets = [self._parsed(path, url, fetcher) for path, url in stylesheets]
        fonts, faces = self._fonts, self._fonts.faces
        try:
            document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
            return document.write_pdf(pdf_variant="pdf/ua-1", stylesheets=sheets, font_config=fonts)
        finally:
            if fonts.faces != faces:
                self._start_afresh()

    def _parsed(self, path: str, url: str, fetcher: URLFetcher) -> weasyprint.CSS:
        stat = os.stat(path)
        stamp = (stat.st_size, stat.st_mtime_ns)
        kept_stamp, sheet = self._sheets.get((path, url), (None, None))
        if kept_stamp != stamp:
            sheet = weasyprint.CSS(filename=path, base_url=url, url_fetcher=fetcher, font_config=self._fonts)
            self._sheets[path, url] = stamp, sheet
        return sheet


def render_limited(
    *, styles: Styles, html: str, base_url: str, static_url: str, stylesheets: Sequence[tuple[str, str]],
    timeout: float, address_space: int,
) -> bytes:  # fmt: skip
    """Render in this process (the renderer process: ``render_worker``) within the limits.

    Memory: the process may not grow beyond ``address_space`` bytes. CPU: ``timeout`` seconds
    and a margin from now on, a backstop should the caller's wall-clock timeout not stop us
    first. Both limits are lifted again afterwards, for the next render.
    """
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    _set_soft_limit(resource.RLIMIT_CPU, math.ceil(cpu.ru_utime + cpu.ru_stime + timeout) + 5)
    _set_soft_limit(resource.RLIMIT_AS, address_space)
    try:
        return styles.pdf(html=html, base_url=base_url, static_url=static_url, stylesheets=stylesheets)
    finally:
        _set_soft_limit(resource.RLIMIT_AS, resource.RLIM_INFINITY)
        _set_soft_limit(resource.RLIMIT_CPU, resource.RLIM_INFINITY)


def stylesheet_files(stylesheets: Sequence[str], static_url: str) -> list[tuple[str, str]]:
    """Each static path's file and absolute URL; a missing one is logged and left out, as
    WeasyPrint leaves out a linked stylesheet it cannot load."""
    files = []
    for relative in stylesheets:
        if (path := static_file(relative)) is None:
            logger.error("Handout stylesheet %s not found", relative)
        else:
            files.append((str(path), urljoin(static_url, relative)))
    return files


class Renderer(Protocol):
    """Turns HTML into PDF bytes within the given limits, or raises HandoutError."""

    def render(
        self, *, html: str, base_url: str, stylesheets: Sequence[str] = (), timeout: float, memory_mb: int
    ) -> bytes: ...


class WarmRenderer:
    """A renderer process kept warm and reused: WeasyPrint, its fonts and stylesheets are loaded
    once, not once per render.

    The process (``python -m cramps.handouts.render_worker``) is started on first use by each
    process that renders (a task worker, ``render_handouts``, a web process with the immediate
    tasks backend), one render at a time. It is a sandbox as the old fork per render was: only
    it runs WeasyPrint, with a memory limit per render and a CPU backstop, and it is killed when a
    render overruns the wall-clock timeout. A render may use ``memory_mb`` beyond what the process
    held once warm; a process that has grown too much to give the next render that much
    retires, as it does after a failure and after ``renders_per_process`` renders, and a fresh
    one takes its place.
    """

    STARTUP_SECONDS = 60

    def __init__(self, *, renders_per_process: int = 200) -> None:
        self.renders_per_process = renders_per_process
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._connection: Connection | None = None
        self._owner = 0
        self._renders = 0
        self.busy = False  # a render is in progress (for tests that stop the process mid-render)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None and self._owner == os.getpid() else None

    def render(
        self, *, html: str, base_url: str, stylesheets: Sequence[str] = (), timeout: float, memory_mb: int
    ) -> bytes:
        static_url = urljoin(base_url, settings.STATIC_URL)
        request = (html, base_url, static_url, stylesheet_files(stylesheets, static_url), timeout, memory_mb)
        with self._lock:
            outcome, payload = self._exchange(request, timeout)
            if outcome == "retire":  # too big for this render's memory: once more, in a fresh one
                self.stop()
                outcome, payload = self._exchange(request, timeout)
            self._renders += 1
            if outcome == "pdf":
                if self._renders >= self.renders_per_process:
                    self.stop()
                return payload
            self.stop()
        # Details go to the log; readers get a plain sentence.
        logger.error("Handout render failed: %s", payload)
        raise HandoutError("The PDF could not be made.")

    def _exchange(self, request: tuple, timeout: float) -> tuple[str, object]:
        """Send one render to the process and wait for its outcome, stopping it on overrun."""
        connection = self._started()
        self.busy = True
        try:
            connection.send(request)
            if not connection.poll(timeout):
                self.stop()
                raise HandoutError(f"The PDF took longer than {timeout:g} seconds to make.")
            return connection.recv()
        except (EOFError, OSError):
            code = self.stop()
            logger.error("Handout renderer died (exit code %s)", code)
            raise HandoutError(
                "The PDF could not be made: the renderer stopped, perhaps for lack of memory."
            ) from None
        finally:
            self.busy = False

    def _started(self) -> Connection:
        if self._connection is not None and self._owner == os.getpid() and self._process.poll() is None:
            return self._connection
        if self._owner == os.getpid():
            self.stop()
        ours, theirs = socket.socketpair()
        process = subprocess.Popen(
            [sys.executable, "-m", "cramps.handouts.render_worker", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            cwd=settings.BASE_DIR,
            stdin=subprocess.DEVNULL,
        )
        theirs.close()
        connection = Connection(ours.detach())
        try:
            if not connection.poll(self.STARTUP_SECONDS) or connection.recv() != "ready":
                raise EOFError
        except (EOFError, OSError):
            process.kill()
            process.wait()
            connection.close()
            raise HandoutError("The PDF could not be made: the renderer did not start.") from None
        self._process, self._connection, self._owner, self._renders = process, connection, os.getpid(), 0
        return connection

    def stop(self) -> int | None:
        """Stop the renderer process (a fresh one starts on the next render); its exit code."""
        process, connection = self._process, self._connection
        self._process = self._connection = None
        if process is None or self._owner != os.getpid():
            return None
        connection.close()
        if process.poll() is None:
            process.kill()
        return process.wait()


renderer: Renderer = WarmRenderer()
atexit.register(renderer.stop)


def pdf_render(*, html: str, base_url: str, stylesheets: Sequence[str] = ()) -> bytes:
    """Render HTML to PDF within CRAMPS_HANDOUT_TIMEOUT seconds and CRAMPS_HANDOUT_MEMORY_MB.

    ``stylesheets`` are static paths (``css/handout.css``), applied as user stylesheets (the
    document's own styles win where both apply); the renderer process parses each once, not
    once per render."""
    return renderer.render(
        html=html,
        base_url=base_url,
        stylesheets=stylesheets,
        timeout=float(settings.CRAMPS_HANDOUT_TIMEOUT),
        memory_mb=int(settings.CRAMPS_HANDOUT_MEMORY_MB),
    )
