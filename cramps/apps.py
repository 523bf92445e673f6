from django.apps import AppConfig


class CrampsConfig(AppConfig):
    name = "cramps"
    verbose_name = "Content"

    def ready(self) -> None:
        from . import receivers

        receivers.connect(self)
