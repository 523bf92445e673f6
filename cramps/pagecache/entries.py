"""Whole-page entries: read and checked against their tokens' versions in one Redis round trip.

A hit needs the entry and the current versions of the tokens it names. Through the cache API
that is two round trips (the tokens are only known once the entry is read). On Redis, each
entry has a companion key holding, as plain text, a random stamp the entry also holds, the
entry's clock and the Redis keys of its tokens' versions; one Lua script returns the entry with
the companion's stamp and whether any of those versions is past the clock. Without the companion
(evicted, or a cache other than django-redis), or with one another render stored (its stamp
differs), the versions are read through the cache API as before, so the check is never skipped.

Each process also keeps copies of the entries it served lately (``CRAMPS_PAGE_CACHE_LOCAL_MB``).
It sends the stamp of its copy with the read, and when the companion still holds that stamp
and the entry is still in Redis, Redis answers only whether it is current: the page itself
crosses the network once per process. Once Redis has called a copy current, the process serves
it again without asking until Redis pushes word that one of the keys deciding it changed
(``tracking``). Redis stays the one authority on what is current: with Redis unreachable, or
the tracking connection down, there are no hits at all.
"""

import functools
import secrets
import threading
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache

from .core import is_current, lifetime, store, version_keys
from .keys import COMPANION, IGNORED, logger
from .tracking import tracker

# KEYS[1]: the entry; KEYS[2]: its companion ("stamp clock key key …"); ARGV[1]: the stamp of
# the caller's copy of the entry, or "". Returns {} (no entry), {entry} (no companion), or
# {entry, stamp, 1 if no version is past the clock else 0} where entry is "" when the caller's
# copy is the entry Redis holds. Versions are the integers django-redis stores unpickled (so
# that INCR works).
_READ = """
local companion = redis.call('GET', KEYS[2])
if not companion then
  local entry = redis.call('GET', KEYS[1])
  if not entry then return {} end
  return {entry}
end
local words = {}
for word in string.gmatch(companion, '%S+') do words[#words + 1] = word end
local clock = tonumber(words[2])
local current = 1
if clock == nil then current = 0
elseif #words > 2 then
  local values = redis.call('MGET', unpack(words, 3))
  for i = 1, #values do
    if values[i] and (tonumber(values[i]) or math.huge) > clock then current = 0 end
  end
end
local stamp = words[1] or ''
if ARGV[1] ~= '' and ARGV[1] == stamp then
  if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
  return {'', stamp, current}
end
local entry = redis.call('GET', KEYS[1])
if not entry then return {} end
return {entry, stamp, current}
"""


def _redis():
    """The raw Redis client behind the default cache, or None when the cache is not django-redis."""
    client = getattr(cache, "client", None)
    if client is None or not hasattr(client, "get_client"):
        return None
    return client


@functools.cache
def _reader(connection):
    """The read script for ``connection``, called by its SHA1 (EVALSHA; loaded again if Redis lost it)."""
    return connection.register_script(_READ)


class _Copies:
    """This process's copies of entries it served, newest last, within a byte budget."""

    def __init__(self):
        self._entries: OrderedDict[str, dict] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict) -> None:
        budget = settings.CRAMPS_PAGE_CACHE_LOCAL_MB * 1024 * 1024
        size = len(entry["body"])
        if size > budget // 8:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self._bytes += size - (len(old["body"]) if old is not None else 0)
            self._entries[key] = entry
            while self._bytes > budget:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped["body"])


_copies = _Copies()


def current(key: str) -> dict | None:
    """The entry under ``key`` if nothing it shows changed since it was stored, else None."""
    client = _redis()
    if client is None:
        entry = cache.get(key)
        return entry if entry is not None and _is_current(entry) else None
    copy = _copies.get(key)
    redis_key = cache.make_key(key)
    if copy is not None and tracker.trusts(redis_key, copy["stamp"]):
        return copy if _before_limit(copy) else None
    epoch = tracker.epoch(client)
    try:
        connection = client.get_client(write=False)
        reply = _reader(connection)(
            keys=[redis_key, cache.make_key(key + COMPANION)],
            args=[copy["stamp"] if copy is not None else ""],
            client=connection,
        )
    except Exception:  # an outage: a miss, logged as django-redis logs its own (once a minute)
        logger.exception(IGNORED)
        return None
    if not reply:
        return None
    if len(reply) == 3 and reply[0] == b"" and copy is not None and reply[1].decode() == copy["stamp"]:
        entry = copy
    else:
        entry = client.decode(reply[0])
        # The companion must be this entry's (two renders of one page may race to store).
        if len(reply) < 3 or reply[1].decode() != entry.get("stamp"):
            return entry if _is_current(entry) else None
        _copies.put(key, entry)
    # Redis compared the versions; only the entry's time limit is left to check.
    if reply[2] != 1 or not _before_limit(entry):
        return None
    tracker.verified(redis_key, entry["stamp"], epoch)
    return entry


def _before_limit(entry: dict) -> bool:
    return is_current(entry["clock"], (), entry["until"], versions={})


def _is_current(entry: dict) -> bool:
    return is_current(entry["clock"], entry["tokens"], entry["until"])


def write(key: str, entry: dict) -> None:
    """Keep ``entry`` (``core.store``'s rules) and, on Redis, its companion first."""
    client = _redis()
    if client is not None:
        entry = {**entry, "stamp": secrets.token_hex(8)}
        names = " ".join(cache.make_key(name) for name in version_keys(entry["tokens"]))
        try:
            # A few seconds longer than the entry: an entry never outlives its companion.
            client.get_client(write=True).set(
                cache.make_key(key + COMPANION),
                f"{entry['stamp']} {entry['clock']} {names}",
                ex=max(int(lifetime(entry)), 1) + 5,
            )
        except Exception:
            logger.exception(IGNORED)
            return
    store(key, entry)
