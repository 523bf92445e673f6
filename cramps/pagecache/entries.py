"""Whole-page entries: read and checked against their tokens' versions in one Redis round trip.

A hit needs the entry and the current versions of the tokens it names. Through the cache API
that is two round trips (the tokens are only known once the entry is read). On Redis, each
entry has a companion key holding, as plain text, a random stamp the entry also holds, the
entry's clock and the Redis keys of its tokens' versions; one Lua script returns the entry with
the companion's stamp and whether any of those versions is past the clock. Without the companion
(evicted, or a cache other than django-redis), or with one another render stored (its stamp
differs), the versions are read through the cache API as before, so the check is never skipped.
"""

import functools
import logging
import secrets

from django.core.cache import cache

from .core import is_current, lifetime, store, version_keys

logger = logging.getLogger("cramps.cache")
# django-redis's words for a failed call it ignored (settings.DJANGO_REDIS_LOGGER): one message,
# so an outage is reported once a minute whichever call met it (``logs.RepeatFilter``).
IGNORED = "Exception ignored"

# KEYS[1]: the entry; KEYS[2]: its companion ("stamp clock key key …"). Returns {} (no entry),
# {entry} (no companion) or {entry, stamp, 1 if no version is past the clock else 0}. Versions
# are the integers django-redis stores unpickled (so that INCR works).
_READ = """
local entry = redis.call('GET', KEYS[1])
if not entry then return {} end
local companion = redis.call('GET', KEYS[2])
if not companion then return {entry} end
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
return {entry, words[1] or '', current}
"""
_COMPANION = ":versions"


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


def current(key: str) -> dict | None:
    """The entry under ``key`` if nothing it shows changed since it was stored, else None."""
    client = _redis()
    if client is None:
        entry = cache.get(key)
        return entry if entry is not None and _is_current(entry) else None
    try:
        connection = client.get_client(write=False)
        reply = _reader(connection)(
            keys=[cache.make_key(key), cache.make_key(key + _COMPANION)], client=connection
        )
    except Exception:  # an outage: a miss, logged as django-redis logs its own (once a minute)
        logger.exception(IGNORED)
        return None
    if not reply:
        return None
    entry = client.decode(reply[0])
    # The companion must be this entry's (two renders of one page may race to store).
    if len(reply) < 3 or reply[1].decode() != entry.get("stamp"):
        return entry if _is_current(entry) else None
    # Redis compared the versions; only the entry's time limit is left to check.
    return entry if reply[2] == 1 and is_current(entry["clock"], (), entry["until"], versions={}) else None


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
                cache.make_key(key + _COMPANION),
                f"{entry['stamp']} {entry['clock']} {names}",
                ex=max(int(lifetime(entry)), 1) + 5,
            )
        except Exception:
            logger.exception(IGNORED)
            return
    store(key, entry)
