"""Whole-page entries: read with their tokens' versions in one Redis round trip.

A hit needs the entry and the current versions of the tokens it names. Through the cache API
that is two round trips (the tokens are only known once the entry is read). On Redis, each
entry has a companion key holding the Redis keys of its tokens' versions as plain text, and one
Lua script returns the entry and those versions together. Without the companion (evicted, or a
cache other than django-redis) the versions are read through the cache API as before, so the
check is never skipped.
"""

import logging

from django.core.cache import cache

from .core import lifetime, store, version_keys

logger = logging.getLogger("cramps.cache")
# django-redis's words for a failed call it ignored (settings.DJANGO_REDIS_LOGGER): one message,
# so an outage is reported once a minute whichever call met it (``logs.RepeatFilter``).
IGNORED = "Exception ignored"

# KEYS[1]: the entry; KEYS[2]: its companion. Returns {} (no entry), {entry} (no companion) or
# {entry, companion, version or false, …} in the companion's order. ``false`` reaches Python as None.
_READ = """
local entry = redis.call('GET', KEYS[1])
if not entry then return {} end
local names = redis.call('GET', KEYS[2])
if not names then return {entry} end
local keys = {}
for name in string.gmatch(names, '%S+') do keys[#keys + 1] = name end
local reply = {entry, names}
if #keys > 0 then
  local values = redis.call('MGET', unpack(keys))
  for i = 1, #keys do reply[#reply + 1] = values[i] or false end
end
return reply
"""
_COMPANION = ":versions"


def _redis():
    """The raw Redis client behind the default cache, or None when the cache is not django-redis."""
    client = getattr(cache, "client", None)
    if client is None or not hasattr(client, "get_client"):
        return None
    return client


def read(key: str) -> tuple[dict | None, dict | None]:
    """(entry, versions by version key) for ``key``; versions None when the caller must read them."""
    client = _redis()
    if client is None:
        return cache.get(key), None
    try:
        reply = client.get_client(write=False).eval(
            _READ, 2, cache.make_key(key), cache.make_key(key + _COMPANION)
        )
    except Exception:  # an outage: a miss, logged as django-redis logs its own (once a minute)
        logger.exception(IGNORED)
        return None, None
    if not reply:
        return None, None
    entry = client.decode(reply[0])
    # The companion must name this entry's tokens (two renders of one page may race to store).
    if len(reply) == 1 or reply[1].decode() != _names(entry):
        return entry, None
    versions = reply[2:]
    return entry, {index: int(value) for index, value in enumerate(versions) if value is not None}


def _names(entry: dict) -> str:
    return " ".join(cache.make_key(name) for name in version_keys(entry["tokens"]))


def write(key: str, entry: dict) -> None:
    """Keep ``entry`` (``core.store``'s rules) and, on Redis, its companion first."""
    client = _redis()
    if client is not None:
        try:
            # A few seconds longer than the entry: an entry never outlives its companion.
            client.get_client(write=True).set(
                cache.make_key(key + _COMPANION), _names(entry), ex=max(int(lifetime(entry)), 1) + 5
            )
        except Exception:
            logger.exception(IGNORED)
            return
    store(key, entry)
