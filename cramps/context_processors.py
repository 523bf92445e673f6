from django.conf import settings

from .sharing import canonical_url


def site(request) -> dict:
    return {"site_name": settings.CRAMPS_SITE_NAME, "canonical_url": canonical_url(request)}
