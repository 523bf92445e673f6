"""A process serves its verified copy of a page without asking Redis, and stops the moment Redis
tells it something changed: an edit made by another process, an eviction, a flush, Redis stopping.

Runs Django in a process of its own configured by REDIS_URL, against a redis-server of the
test's own, which the script stops and starts again (the shared Redis is never touched). The
other process is a real one: ``manage.py shell``, as an editor's change on another app server.
"""

import json

from .conftest import run_django

SCRIPT = """
import json, os, shutil, signal, socket, subprocess, sys, time
from django.test import Client
from django_redis import get_redis_connection
from references.models import Reference
from cramps.tests.factories import make_article, make_reference

make_reference(key="rude1998", title="Magnesium deficiency")
make_article(title="Night cramps", slug="night", body="Text [@rude1998].")
client, report = Client(), {}
PORT = int(os.environ["REDIS_PORT"])

def visit():
    response = client.get("/articles/night/")
    title = Reference.objects.get(key="rude1998").title
    return [response.status_code, response.headers.get("X-Page-Cache"), title in response.content.decode()]

def commands(visits):
    # Commands Redis processed during `visits` visits (the INFO that reads the count excluded).
    redis = get_redis_connection("default")
    before = redis.info("stats")["total_commands_processed"]
    seen = [visit() for _ in range(visits)]
    return redis.info("stats")["total_commands_processed"] - before - 1, seen

def until(cache_state, seconds=5):
    # Visit until the page is a cache `cache_state`: what each visit gave, and the seconds taken.
    started, seen = time.monotonic(), []
    while time.monotonic() - started < seconds:
        seen.append(visit())
        if seen[-1][1] == cache_state:
            break
        time.sleep(0.01)
    return seen, time.monotonic() - started

def trusted(seconds=5):
    # Visit until a run of visits asks Redis nothing; the commands of the last run.
    started = time.monotonic()
    while True:
        count, seen = commands(5)
        if count == 0 or time.monotonic() - started > seconds:
            return count, seen
        time.sleep(0.05)

def edit_elsewhere(title):
    code = f"from references.models import Reference as R; r = R.objects.get(key='rude1998'); r.title = {title!r}; r.save()"
    subprocess.run([sys.executable, "manage.py", "shell", "-c", code], check=True, env=os.environ, capture_output=True)

def port_open():
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
        return True
    except OSError:
        return False

# The rule that keeps a verification exact: one read while an invalidation arrived never counts.
from django.core.cache import cache
from cramps.pagecache.tracking import tracker
cache_client = cache.client
while tracker.epoch(cache_client) is None:
    time.sleep(0.01)
probe = cache.make_key("pagecache:page:probe")
begun = tracker.epoch(cache_client)
get_redis_connection("default").set(cache.make_key("pagecache:v:probe"), 1)  # another process's bump
while tracker.epoch(cache_client) == begun:
    time.sleep(0.01)
tracker.verified(probe, "stamp", begun)
report["verified across an invalidation"] = tracker.trusts(probe, "stamp")
tracker.verified(probe, "stamp", tracker.epoch(cache_client))
report["verified quietly"] = tracker.trusts(probe, "stamp")

report["first"] = visit()
report["verified"] = trusted()
report["quiet"] = commands(20)
edit_elsewhere("Serum magnesium in cramps")
report["after an edit elsewhere"] = visit()
report["verified again"] = trusted()
get_redis_connection("default").delete(*get_redis_connection("default").keys("*pagecache:page:*"))
report["after an eviction"] = until("miss")
report["verified after the eviction"] = trusted()
get_redis_connection("default").flushdb()
report["after a flush"] = until("miss")
report["verified after the flush"] = trusted()
os.kill(int(os.environ["REDIS_PID"]), signal.SIGTERM)
while port_open():
    time.sleep(0.05)
report["redis stopped"] = until(None)
report["redis still stopped"] = [visit() for _ in range(10)]
server = subprocess.Popen([shutil.which("redis-server"), "--port", str(PORT), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no"], stdout=subprocess.DEVNULL)
try:
    while not port_open():
        time.sleep(0.05)
    report["redis started"] = until("hit", seconds=10)
    report["verified once more"] = trusted(seconds=10)
    edit_elsewhere("Magnesium and leg cramps")
    report["after another edit elsewhere"] = visit()
finally:
    server.terminate()
print(json.dumps(report))
"""


def test_copies_served_without_asking_until_redis_says_otherwise(redis_server, sqlite_file, tmp_path):
    result = run_django(SCRIPT, REDIS_URL=redis_server.url, REDIS_PID=str(redis_server.process.pid),
                        REDIS_PORT=str(redis_server.port), DATABASE_URL=f"sqlite:///{sqlite_file}",
                        DJANGO_MEDIA_ROOT=str(tmp_path / "media"), CRAMPS_PAGE_CACHE_SECONDS="600",
                        CRAMPS_TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend")  # fmt: skip

    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["verified across an invalidation"] is False
    assert report["verified quietly"] is True
    assert report["first"] == [200, "miss", True]
    # Once Redis has called the copy current, hits ask it nothing.
    for step in ("verified", "quiet", "verified again", "verified after the eviction",
                 "verified after the flush", "verified once more"):  # fmt: skip
        count, seen = report[step]
        assert count == 0, step
        assert all(visit == [200, "hit", True] for visit in seen), step
    # Another process's edit: the very next visit renders the new title.
    assert report["after an edit elsewhere"] == [200, "miss", True]
    assert report["after another edit elsewhere"] == [200, "miss", True]
    # An evicted or flushed entry is a miss within moments (hits before then showed the right page).
    for step in ("after an eviction", "after a flush"):
        seen, seconds = report[step]
        assert seen[-1] == [200, "miss", True] and seconds < 1, step
        assert all(visit[0] == 200 and visit[2] for visit in seen), step
    # With Redis gone no copy is trusted: once the process has seen the connection close (at
    # once here), every page is rendered afresh.
    seen, seconds = report["redis stopped"]
    assert seen[-1] == [200, None, True] and seconds < 1
    assert all(visit[0] == 200 and visit[2] for visit in seen)
    assert all(visit == [200, None, True] for visit in report["redis still stopped"])
    seen, _ = report["redis started"]
    assert seen[-1] == [200, "hit", True]
