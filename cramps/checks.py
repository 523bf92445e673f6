"""System checks for settings that only matter in production (``manage.py check --deploy``)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def check_production_settings(app_configs, **kwargs) -> list[checks.CheckMessage]:
    messages = []
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
