from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_migrate


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
        post_migrate.connect(search_index_repair, sender=self, dispatch_uid="search-index-repair")
        pagecache_receivers.connect()


def search_index_repair(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """SQLite rebuilds a table to alter it, dropping its search triggers: put them back (and
    re-index) after every ``migrate`` once the search migration is applied."""
    from django.db.migrations.recorder import MigrationRecorder

    from .search.index import search_index_ensure

    connection = connections[using]
    if ("cramps", "0009_search_index") in MigrationRecorder(connection).applied_migrations():
        search_index_ensure(connection)
