"""The names the page cache keeps in the cache, and the one message it logs for an outage."""

import logging

# A token's version (``core.bump``).
VERSION_PREFIX = "pagecache:v:"
# A whole page (``middleware``), and beside it its companion (``entries``).
PAGE_PREFIX = "pagecache:page:"
COMPANION = ":versions"

logger = logging.getLogger("cramps.cache")
# django-redis's words for a failed call it ignored (settings.DJANGO_REDIS_LOGGER): one message,
# so an outage is reported once a minute whichever call met it (``logs.RepeatFilter``).
IGNORED = "Exception ignored"
