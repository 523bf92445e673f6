"""Serving and storing cached pages, for anonymous GET and HEAD requests to views that opt in.

Placed after WhiteNoise and before the CSP, session and CSRF middleware: a hit is answered
before any of them run, with the headers the first render got (its CSP header included, so a
nonce in the body would match its header; public templates use none today). The security
headers added further out are added to hits as to any response.

A request carrying a session cookie (staff, or anyone logged in) or an Authorization header is
neither served from the cache nor stored: it gets the page as rendered for it.
"""

import functools
import hashlib
import time

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date

from ..dbrouter import primary_reads
from . import entries
from .core import (
    CachedPage,
    clock_now,
    design_version,
    enabled,
    next_publication,
    request_tokens,
    shareable,
)
from .keys import PAGE_PREFIX

HIT_HEADER = "X-Page-Cache"


# Paths longer than this are resolved on every request rather than remembered.
_REMEMBERED_PATH_LENGTH = 300


def _options(request: HttpRequest) -> CachedPage | None:
    if request.method not in ("GET", "HEAD"):
        return None
    if settings.SESSION_COOKIE_NAME in request.COOKIES or "HTTP_AUTHORIZATION" in request.META:
        return None
    urlconf, path = get_urlconf() or settings.ROOT_URLCONF, request.path_info
    if len(path) > _REMEMBERED_PATH_LENGTH:
        return _view_options.__wrapped__(urlconf, path)
    return _view_options(urlconf, path)


@functools.lru_cache(maxsize=4096)
def _view_options(urlconf: str, path: str) -> CachedPage | None:
    """How the view at ``path`` is cached, or None. Remembered per process: resolving a path
    costs about a tenth of a cache hit, and a URLconf's answer for a path never changes (the
    URLconf is part of the key, so ``override_settings(ROOT_URLCONF=…)`` gets its own)."""
    try:
        view = resolve(path, urlconf).func
    except Resolver404:
        return None
    return getattr(view, "cached_page", None) or getattr(
        getattr(view, "view_class", None), "cached_page", None
    )


def _key(request: HttpRequest, options: CachedPage) -> str | None:
    """The entry's key, or None when the query string holds a parameter the view does not vary by."""
    has_query = bool(request.META.get("QUERY_STRING"))
    if has_query and any(name not in options.query for name in request.GET):
        return None
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    query = (
        sorted((name, value) for name in request.GET for value in request.GET.getlist(name))
        if has_query
        else []
    )
    address = f"{request.scheme}://{host}{request.path}?{query}"
    return f"{PAGE_PREFIX}{design_version()}:{hashlib.sha256(address.encode()).hexdigest()}"


def _without_cookie_vary(response: HttpResponse) -> None:
    vary = [value.strip() for value in response.get("Vary", "").split(",") if value.strip()]
    kept = [value for value in vary if value.lower() != "cookie"]
    if kept:
        response["Vary"] = ", ".join(kept)
    elif "Vary" in response:
        del response["Vary"]


def _from_entry(request: HttpRequest, entry: dict) -> HttpResponse:
    response = HttpResponse(b"" if request.method == "HEAD" else entry["body"], headers=entry["headers"])
    response[HIT_HEADER] = "hit"
    return (
        get_conditional_response(
            request, etag=entry["headers"]["ETag"], last_modified=entry["modified"], response=response
        )
        or response
    )


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        options = _options(request)
        if options is None:
            return self.get_response(request)
        key = _key(request, options) if enabled() else None
        if key is not None:
            entry = entries.current(key)
            if entry is not None:
                return _from_entry(request, entry)
        clock = clock_now() if key is not None and request.method == "GET" else None
        if clock is None:
            response = self.get_response(request)
        else:
            # What is kept is read from the primary: a lagging replica could predate a bump.
            with primary_reads():
                response = self.get_response(request)
        if not shareable(response):
            return response
        _without_cookie_vary(response)
        if not response.has_header("Cache-Control"):
            # Browsers ask again each time (a 304 is cheap): a reader who logs in sees fresh pages.
            patch_cache_control(response, no_cache=True)
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        if response.has_header("Last-Modified"):
            modified = parse_http_date(response["Last-Modified"])
        else:
            modified = int(time.time())
            response["Last-Modified"] = http_date(modified)
        if clock is not None:
            until = next_publication()
            entry = {
                "body": response.content,
                "headers": dict(response.items()),
                "modified": modified,
                "clock": clock,
                "tokens": tuple(request_tokens(request)),
                "until": until.timestamp() if until is not None else None,
            }
            entries.write(key, entry)
            response[HIT_HEADER] = "miss"
        return (
            get_conditional_response(
                request, etag=response["ETag"], last_modified=modified, response=response
            )
            or response
        )
