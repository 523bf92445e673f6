"""Who the client is, and who may try to log in: shared by login throttling and rate limits."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the entry CRAMPS_TRUSTED_PROXIES hops from the end
    of X-Forwarded-For when that many proxies (which append to it) stand in front of the app.

    Entries further left are whatever the client sent, so they are never trusted.
    """
    proxies = settings.CRAMPS_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or "0.0.0.0"


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check for logins that come with a request (the admin login form).

    ``authenticate()`` called without a request (the test client's ``login``, a shell) has no
    client to throttle; it goes straight to the next backend instead of raising.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
