from django.apps import AppConfig


class CrampsConfig(AppConfig):
    name = "cramps"
    verbose_name = "Content"

    def ready(self) -> None:
        from . import history, stamps  # noqa: F401  (connects their receivers)

        history.register_models()
