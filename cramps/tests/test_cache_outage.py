"""A Redis outage degrades to uncached pages: every page still answers 200, /healthz says so.

Runs Django in a process of its own configured by REDIS_URL, against a redis-server of the
test's own that the process stops half-way (the shared Redis is never touched).
"""

import json

from .conftest import run_django

SCRIPT = """
import json, os, signal, socket, time
from django.core.cache import cache, caches
from django.test import Client
from cramps.tests.factories import make_article, make_nutrient, make_reference

make_reference(key="rude1998", title="Magnesium deficiency")
make_article(title="Night cramps", slug="night", body="Text [@rude1998].", tags=["sleep"])
make_nutrient(title="Magnesium", slug="magnesium", body="A mineral [@rude1998].")
URLS = ["/", "/articles/", "/articles/night/", "/nutrients/magnesium/", "/references/",
        "/references/rude1998/", "/tags/", "/tags/sleep/", "/handout/"]

def visit(handout):
    client = Client()
    statuses = {url: client.get(url).status_code for url in URLS}
    statuses[handout] = client.get(handout).status_code
    health = client.get("/healthz")
    return {"pages": statuses, "healthz": [health.status_code, health.json()]}

report = {"backend": type(caches["default"]).__module__, "up": visit("/articles/night/handout.pdf")}
report["cached"] = cache.get("healthz") is not None
os.kill(int(os.environ["REDIS_PID"]), signal.SIGTERM)
while True:
    try:
        socket.create_connection(("127.0.0.1", int(os.environ["REDIS_PORT"])), timeout=0.2).close()
        time.sleep(0.05)
    except OSError:
        break
started = time.monotonic()
report["down"] = visit("/nutrients/magnesium/handout.pdf")
report["down_seconds"] = time.monotonic() - started
print(json.dumps(report))
"""


def test_pages_answer_200_through_a_redis_outage(redis_server, sqlite_file, tmp_path):
    result = run_django(SCRIPT, REDIS_URL=redis_server.url, REDIS_PID=str(redis_server.process.pid),
                        REDIS_PORT=str(redis_server.port), DATABASE_URL=f"sqlite:///{sqlite_file}",
                        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
                        CRAMPS_TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend")  # fmt: skip

    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["backend"] == "django_redis.cache" and report["cached"]
    assert set(report["up"]["pages"].values()) == {200}
    assert report["up"]["healthz"] == [200, {"status": "ok", "database": "ok", "cache": "ok"}]
    assert set(report["down"]["pages"].values()) == {200}, report["down"]["pages"]
    assert report["down"]["healthz"] == [
        200,
        {"status": "degraded", "database": "ok", "cache": "unavailable"},
    ]
    # Reported, but once a minute, not for every failed cache call.
    assert result.stderr.count("cramps.cache") == 1
