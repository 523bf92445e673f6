"""Production mode, in processes of its own with the production environment: it passes
``check --deploy``, sends HTTPS and security headers, serves static files whether or not
``collectstatic`` ran, and logs errors with their tracebacks plus one line per request."""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from .conftest import ROOT, django_env, run_django

PRODUCTION = {
    "DJANGO_SECRET_KEY": "k3y-for-tests-only-5f0c1b9e7a2d4c8e9b1a3f5d7c9e1b3a5d7f9",
    "DJANGO_ALLOWED_HOSTS": "cramps.example.org",
    "CRAMPS_SITE_URL": "https://cramps.example.org",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


def production(tmp_path, database=None, **env) -> dict[str, str]:
    """The README's production environment (debug simply not asked for), on a file database."""
    return {**PRODUCTION, "DJANGO_DEBUG": "", "DATABASE_URL": f"sqlite:///{database or tmp_path / 'db.sqlite3'}",
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"), "DJANGO_MEDIA_ROOT": str(tmp_path / "media"), **env}  # fmt: skip


@pytest.mark.parametrize("tasks", ["database", "rq"])
def test_production_settings_pass_check_deploy(tmp_path, tasks):
    script = "from django.core.management import call_command\ncall_command('check', deploy=True, fail_level='WARNING')"

    result = run_django(script, **production(tmp_path, CRAMPS_TASKS_BACKEND=tasks))

    assert "System check identified no issues" in result.stdout


def test_check_deploy_asks_for_the_site_address(tmp_path):
    script = "from django.core.management import call_command\ncall_command('check', deploy=True)"

    result = run_django(script, **production(tmp_path, CRAMPS_SITE_URL=""))

    assert "cramps.W001" in result.stderr + result.stdout


REQUESTS = """
import json
from django.core.management import call_command
from django.test import Client
client = Client(HTTP_HOST="cramps.example.org")
home = client.get("/", secure=True)
css = [part.split('"')[0] for part in home.content.decode().split('href="')[1:] if ".css" in part.split('"')[0]]
static = client.get(css[0], secure=True)
plain = client.get("/")
health = client.get("/healthz")
print(json.dumps({
    "home": home.status_code, "headers": dict(home.headers), "css": css[0], "static": static.status_code,
    "static_cache": static.get("Cache-Control", ""), "plain": [plain.status_code, plain.get("Location")],
    "health": health.status_code,
}))
"""


@pytest.mark.parametrize("collected", [False, True], ids=["without collectstatic", "after collectstatic"])
def test_pages_static_files_and_headers_in_production(tmp_path, sqlite_file, collected):
    if collected:
        run_django("from django.core.management import call_command\ncall_command('collectstatic', interactive=False, verbosity=0)",
                   **production(tmp_path))  # fmt: skip

    result = run_django(REQUESTS, **production(tmp_path, sqlite_file))

    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["home"] == 200 and report["static"] == 200
    if collected:
        assert report["css"].startswith("/static/css/site.") and report["css"] != "/static/css/site.css"
        assert "immutable" in report["static_cache"]
    else:
        assert report["css"] == "/static/css/site.css"
    headers = report["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    # Plain HTTP is sent to HTTPS, except the load balancer's health probe.
    assert report["plain"] == [301, "https://cramps.example.org/"]
    assert report["health"] == 200


ERROR = """
import sys, types
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import path
import cramps.urls

def broken(request):
    return 1 / 0

urls = types.ModuleType("broken_urls")
urls.urlpatterns = [path("broken/", broken), *cramps.urls.urlpatterns]
sys.modules["broken_urls"] = urls
settings.ROOT_URLCONF = "broken_urls"
client = Client(HTTP_HOST="cramps.example.org", raise_request_exception=False)
print(client.get("/broken/", secure=True).status_code, client.get("/tags/", secure=True).status_code)
"""


def test_errors_are_logged_with_their_traceback_and_every_request_in_one_line(tmp_path, sqlite_file):
    result = run_django(ERROR, **production(tmp_path, sqlite_file))

    assert result.stdout.strip().splitlines()[-1] == "500 200"
    log = result.stderr
    assert "ERROR django.request" in log and "Internal Server Error: /broken/" in log
    assert "Traceback (most recent call last)" in log and "ZeroDivisionError: division by zero" in log
    assert "INFO cramps.requests" in log
    assert [line.split("cramps.requests")[1].split(": ", 1)[1].rsplit(" ", 1)[0] for line in log.splitlines()
            if "cramps.requests" in line] == ["GET /broken/ 500", "GET /tags/ 200"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_production_mode_with_its_shipped_config(tmp_path, sqlite_file):
    port = _free_port()
    env = django_env(**production(tmp_path, sqlite_file, GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
                                  DJANGO_ALLOWED_HOSTS="127.0.0.1", DJANGO_SECURE_SSL_REDIRECT="0"))  # fmt: skip
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "cramps.wsgi"],
                              cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        statuses = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "healthz" not in statuses:
            try:
                statuses["healthz"] = urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).status
            except HTTPError:
                raise
            except OSError:  # not listening yet, or still starting its workers
                time.sleep(0.2)
        for path in ("/", "/static/css/site.css", "/tags/"):
            statuses[path] = urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).status
    finally:
        server.terminate()
        log = server.communicate(timeout=60)[1]

    assert statuses == {"healthz": 200, "/": 200, "/static/css/site.css": 200, "/tags/": 200}
    assert "WORKER TIMEOUT" not in log
    assert "cramps.requests" in log and "GET /tags/ 200" in log


def test_gunicorn_timeout_fits_the_render_limit():
    result = subprocess.run(
        [sys.executable, "-c", "import runpy; c = runpy.run_path('gunicorn.conf.py'); print(c['timeout'], c['graceful_timeout'])"],
        cwd=ROOT, env=django_env(CRAMPS_HANDOUT_TIMEOUT="120"), capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert result.stdout.split() == ["150", "150"], result.stderr
