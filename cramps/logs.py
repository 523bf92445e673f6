"""What reaches the log: one line per request, and repeated failures reported once a while."""

import logging
import time

from django.http import HttpRequest, HttpResponse

request_logger = logging.getLogger("cramps.requests")


class RequestLogMiddleware:
    """Logs ``GET /path 200 12ms`` for every request (first in MIDDLEWARE, so it times them all).

    Errors are logged with their tracebacks by Django's own ``django.request`` logger.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        if not request_logger.isEnabledFor(logging.INFO):
            return response
        milliseconds = (time.perf_counter() - started) * 1000
        request_logger.info(
            "%s %s %s %.0fms",
            request.method,
            request.get_full_path()[:300],
            response.status_code,
            milliseconds,
        )
        return response


class RepeatFilter(logging.Filter):
    """Lets a message through once per ``seconds``; repeats in between are counted, not logged.

    For failures that would otherwise fill the log on every request (a cache outage).
    """

    def __init__(self, seconds: float = 60) -> None:
        super().__init__()
        self.seconds = seconds
        self._last: dict[tuple[str, str], float] = {}
        self._suppressed: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = time.monotonic()
        if now - self._last.get(key, -self.seconds) < self.seconds:
            self._suppressed[key] = self._suppressed.get(key, 0) + 1
            return False
        self._last[key] = now
        if suppressed := self._suppressed.pop(key, 0):
            record.msg = f"{record.msg} (and {suppressed} more like it since the last report)"
        return True


class NoTraceback(logging.Filter):
    """Drops the traceback from records whose message says it all (a request's bad Host)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True
