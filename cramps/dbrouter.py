"""Reads from a PostgreSQL read replica, writes to the primary (on when DATABASE_REPLICA_URL is set).

A replica lags the primary a little, so reads go to the primary whenever they must see the
latest rows: inside a transaction, for the rest of a request (or task) once it has written, and
inside ``primary_reads()`` (the page cache renders the pages it keeps there, so that no entry is
stored from rows older than the versions it is checked against).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"

_primary = ContextVar("cramps_primary_reads", default=False)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Reads inside the block go to the primary."""
    token = _primary.set(True)
    try:
        yield
    finally:
        _primary.reset(token)


def _request_started(**kwargs) -> None:
    # A thread serves one request after another: a write in the last one pins nothing now.
    _primary.set(False)


class PrimaryReplicaRouter:
    def __init__(self) -> None:
        request_started.connect(_request_started, dispatch_uid="cramps-dbrouter-request-started")

    def db_for_read(self, model, **hints) -> str:
        if _primary.get() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        # This request (or task) reads its own writes from now on.
        _primary.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
