from django.apps import AppConfig


class ReferencesConfig(AppConfig):
    name = "references"
    verbose_name = "References"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects them)
