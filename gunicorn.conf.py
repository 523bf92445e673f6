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
# Recycle workers now and then, so slow leaks (fonts, caches) cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Heartbeat files in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Django logs one line per request and every error with its traceback (settings.LOGGING).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The proxy in front terminates TLS; Django reads X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
