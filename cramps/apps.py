from django.apps import AppConfig


class CrampsConfig(AppConfig):
    name = "cramps"
    verbose_name = "Content"

    def ready(self) -> None:
        # Imported for their side effects: system checks and signal receivers.
        from . import checks, history, receivers, stamps  # noqa: F401
        from .handouts import receivers as handout_receivers  # noqa: F401
        from .pagecache import receivers as pagecache_receivers

        history.register_models()
        receivers.connect(self)
        pagecache_receivers.connect()
