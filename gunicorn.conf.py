"""gunicorn settings for Cramps: `gunicorn -c gunicorn.conf.py cramps.wsgi`.

PDFs are rendered by the background worker (`python manage.py db_worker`), never in a web
request, so requests are short. The timeouts still leave room for one whole render (the
immediate tasks backend renders inside the request), so gunicorn never kills a worker that
is waiting for a render; the render itself is killed at CRAMPS_HANDOUT_TIMEOUT.
Every value can be overridden from the environment (GUNICORN_* or gunicorn's own flags).
"""

import math
import multiprocessing
import os

from cramps.settings import CRAMPS_HANDOUT_TIMEOUT

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Threads serve slow clients and streamed files without tying up a process each.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Longer than the slowest render plus its set-up, so a render always ends (done or a 503) first.
timeout = math.ceil(CRAMPS_HANDOUT_TIMEOUT) + 30
graceful_timeout = timeout
keepalive = 5
# Recycle workers now and then, so slow leaks (fonts, caches) cannot grow without bound. Not
# often: even forked from a preloaded master, a new worker spends most of a second of CPU on
# new connections, first-request set-up and copying the pages it writes to. At 2000 requests,
# that halved the static file's rate (about 1,800 req/s against 5,000 on 2 cores).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
# Load Django once, in the master, and fork workers from it: a recycled worker then imports
# nothing (a second of CPU of its own before), though it still pays for the set-up above.
# Nothing holds a connection at start-up; ``when_ready`` makes sure before any worker is forked.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"


def when_ready(server) -> None:
    """Close any database connection the preloaded app opened: forked workers must not share it."""
    import gc

    from django.db import connections

    connections.close_all()
    # Objects loaded so far are shared with the workers: kept out of the collector's sweeps,
    # which would otherwise write to (and so copy) every shared page in every worker.
    gc.freeze()


# Heartbeat files in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Django logs one line per request and every error with its traceback (settings.LOGGING).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The proxy in front terminates TLS; Django reads X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
