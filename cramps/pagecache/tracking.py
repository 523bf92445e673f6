"""Knowing, without asking Redis, that a process's copy of a cached page is still current.

``entries.current`` asks Redis on every hit whether the entry is current: one round trip, about
a sixth of a hit's cost. Redis can instead tell each process when that answer may have changed.
A thread per process holds one RESP3 connection with ``CLIENT TRACKING … BCAST`` on the keys
that decide it (entries, their companions, token versions); Redis then pushes the name of each
such key that is written, deleted, expires or is evicted, and ``None`` when the database is
flushed. A copy that Redis last called current is served again without asking for as long as
none of its keys has been named since.

What keeps this exact (Redis remains the one authority):

- A verification counts only if nothing was heard on the connection while it was being read
  (the ``epoch`` it started in is still the current one). Otherwise an invalidation handled
  before the verification was recorded would be lost with the copy trusted for good.
- A token's version changing forgets every verification (edits are rare and may touch any page);
  an entry or companion changing forgets that page's. A bump made by this process forgets them
  at once, before its own message comes back.
- A verification is trusted only while the connection is known to be up: a ping is answered
  every ``PING_SECONDS`` or the connection is dropped, and nothing is trusted once
  ``LIVE_SECONDS`` pass without a word from Redis. Losing the connection forgets everything.
- Another process's change reaches this one after the time its message takes to arrive (well
  under a millisecond on one network), the same as a request that began just before the change.

Without django-redis, or on a Redis too old for RESP3 (before 6), nothing is ever trusted and
every hit asks Redis as before.
"""

import os
import threading
import time

from django.core.cache import cache
from redis.exceptions import ResponseError

from .keys import COMPANION, IGNORED, PAGE_PREFIX, VERSION_PREFIX, logger

PING_SECONDS = 1.0
LIVE_SECONDS = 2.5
# Verifications kept at most; past this all are forgotten (each costs one round trip to redo).
_MOST = 20_000


class Tracker:
    """This process's verified copies, and the thread that hears from Redis when to forget them."""

    def __init__(self):
        self._lock = threading.Lock()
        self._verified: dict[str, str] = {}  # an entry's Redis key: the stamp Redis called current
        self._epoch = 0
        self._live_until = 0.0
        self._pid = None
        # The Redis keys heard about: names starting with these (set on start).
        self._versions = self._pages = ""

    # Called on every hit: a dictionary read and a clock read, no lock.
    def trusts(self, redis_key: str, stamp: str) -> bool:
        """Whether the copy stamped ``stamp`` under ``redis_key`` is current without asking."""
        return self._verified.get(redis_key) == stamp and time.monotonic() < self._live_until

    def epoch(self, client) -> int | None:
        """The epoch to pass to ``verified`` for a read about to be sent through ``client`` (the
        django-redis client of the cache, whose pool the listening thread connects from); None:
        none can count."""
        if self._pid != os.getpid():
            self._start(client)
        return self._epoch if time.monotonic() < self._live_until else None

    def verified(self, redis_key: str, stamp: str, epoch: int | None) -> None:
        """Redis called the entry stamped ``stamp`` current in a read begun in ``epoch``."""
        if epoch is None:
            return
        with self._lock:
            if epoch == self._epoch and time.monotonic() < self._live_until:
                if len(self._verified) >= _MOST:
                    self._verified.clear()
                self._verified[redis_key] = stamp

    def forget(self) -> None:
        """Trust no copy until Redis has been asked again (a bump in this process)."""
        with self._lock:
            self._epoch += 1
            self._verified.clear()

    def _invalidated(self, message) -> None:
        names = message[1]
        with self._lock:
            self._epoch += 1
            self._live_until = time.monotonic() + LIVE_SECONDS
            if names is None:  # the database was flushed
                self._verified.clear()
                return
            for name in names:
                name = name.decode()
                if name.startswith(self._versions):
                    self._verified.clear()
                    return
                self._verified.pop(name.removesuffix(COMPANION), None)

    def _start(self, client) -> None:
        with self._lock:
            if self._pid == os.getpid():
                return
            # A forked process inherits the parent's state but not its thread.
            self._pid = os.getpid()
            self._epoch += 1
            self._verified.clear()
            self._live_until = 0.0
        self._versions = cache.make_key(VERSION_PREFIX)
        self._pages = cache.make_key(PAGE_PREFIX)
        pool = client.get_client(write=False).connection_pool
        threading.Thread(target=self._listen, args=(pool,), name="pagecache-tracking", daemon=True).start()

    def _listen(self, pool) -> None:
        prefixes = ("PREFIX", self._versions, "PREFIX", self._pages)
        pause = PING_SECONDS
        while self._pid == os.getpid():
            connection = pool.connection_class(
                **{**pool.connection_kwargs, "protocol": 3, "socket_timeout": PING_SECONDS}
            )
            try:
                connection.connect()
                # Invalidations arrive as RESP3 pushes; redis-py's parser hands them to this
                # function (as its own client-side cache does).
                connection._parser.set_invalidation_push_handler(self._invalidated)
                connection.send_command("CLIENT", "TRACKING", "ON", "BCAST", *prefixes)
                connection.read_response()
                with self._lock:
                    self._epoch += 1
                    self._live_until = time.monotonic() + LIVE_SECONDS
                pause = PING_SECONDS
                while True:
                    if connection.can_read(timeout=PING_SECONDS):
                        connection.read_response(push_request=True)
                    else:
                        connection.send_command("PING")
                        connection.read_response()
                        self._live_until = time.monotonic() + LIVE_SECONDS
            except ResponseError:
                # Redis before 6 knows neither RESP3 nor tracking: every hit keeps asking it.
                logger.warning(
                    "Redis refused client tracking; every page cache hit will ask Redis", exc_info=True
                )
                connection.disconnect()
                return
            except Exception:
                with self._lock:
                    self._epoch += 1
                    self._live_until = 0.0
                    self._verified.clear()
                logger.exception(IGNORED)
                connection.disconnect()
                time.sleep(pause)
                pause = min(pause * 2, 30.0)


tracker = Tracker()
