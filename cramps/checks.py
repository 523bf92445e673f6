"""System checks for settings that only matter in production (``manage.py check --deploy``)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

SECRET_KEY_MISSING = "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off."


def secret_key_missing() -> bool:
    """True when there is no secret key (production mode without ``DJANGO_SECRET_KEY``)."""
    try:
        return not settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to read an empty key
        return True


def require_secret_key() -> None:
    """Refuse to serve without a secret key: called by the web application as it starts."""
    if secret_key_missing():
        raise ImproperlyConfigured(SECRET_KEY_MISSING)


@checks.register(checks.Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
    messages = []
    if secret_key_missing():
        messages.append(checks.Error(SECRET_KEY_MISSING, id="cramps.E001"))
    if not settings.CRAMPS_SITE_URL:
        messages.append(
            checks.Warning(
                "CRAMPS_SITE_URL is not set.",
                hint="Set it to the public address (https://…): handouts print it, whatever Host a "
                "request names, and publishing a page renders its handouts ahead of readers.",
                id="cramps.W001",
            )
        )
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.endswith("ImmediateBackend") or backend.endswith("DummyBackend"):
        messages.append(
            checks.Warning(
                f"The tasks backend is {backend}.",
                hint="Set CRAMPS_TASKS_BACKEND to database (the default, worker `manage.py db_worker`) "
                "or rq (worker `manage.py rqworker`), so PDFs are rendered in the background, not "
                "inside web requests.",
                id="cramps.W002",
            )
        )
    return messages
