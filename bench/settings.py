"""Settings for benchmark servers: the site's own, plus the bare baseline view (bench/urls.py)."""

from cramps.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
