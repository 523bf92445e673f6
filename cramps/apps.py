from django.apps import AppConfig


class CrampsConfig(AppConfig):
    name = "cramps"
    verbose_name = "Content"

    def ready(self) -> None:
        from . import checks  # noqa: F401
        from .handouts import receivers  # noqa: F401
