from django.conf import settings


def site(request) -> dict:
    return {"site_name": settings.CRAMPS_SITE_NAME}
