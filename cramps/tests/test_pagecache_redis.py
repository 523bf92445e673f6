"""The page cache on a real Redis: a hit reads and checks the entry against its tokens' versions in
one round trip, a process's copy of the entry spares sending it again, and a missing or wrong
companion key, or an evicted entry, never lets a stale page through.

Runs Django in a process of its own configured by REDIS_URL, against a redis-server of the
test's own (the shared Redis is never touched).
"""

import json

from .conftest import run_django

SCRIPT = """
import json, time
from django.core.cache import cache
from django.test import Client
from django_redis import get_redis_connection
from cramps.tests.factories import make_article, make_reference

reference = make_reference(key="rude1998", title="Magnesium deficiency")
make_article(title="Night cramps", slug="night", body="Text [@rude1998]. " + "Stretch the calf. " * 3000)
client, redis, report = Client(), get_redis_connection("default"), {}

def visit(label):
    response = client.get("/articles/night/")
    report[label] = [response.headers.get("X-Page-Cache"), reference.title in response.content.decode()]

def edit(title):
    reference.title = title
    reference.save()

def companions():
    return [key for key in redis.keys("*pagecache:page:*:versions")]

def sent(label):
    # Bytes Redis sent for one visit (the INFO reply of the first reading included).
    before = redis.info("stats")["total_net_output_bytes"]
    visit(label)
    report[label + " bytes"] = redis.info("stats")["total_net_output_bytes"] - before

visit("first")
sent("again")
sent("from the copy")
report["companions"] = len(companions())
edit("Serum magnesium in cramps")
visit("after an edit")
visit("then")
for key in companions():
    redis.delete(key)  # evicted
edit("Magnesium in older adults")
visit("no companion, after an edit")
visit("no companion, then")
for key in companions():
    redis.set(key, "")  # names no token
edit("Magnesium and quinine")
visit("wrong companion, after an edit")
visit("wrong companion replaced")
for key in companions():
    # Another render's companion: a later clock and no tokens, which would pass every check.
    redis.set(key, "0123456789abcdef 99999999999999")
edit("Magnesium and leg cramps")
visit("another render's companion, after an edit")
visit("copied again")
visit("from the copy again")
for key in redis.keys("*pagecache:page:*"):
    if not key.endswith(b":versions"):
        redis.delete(key)  # the entry evicted, its companion not yet
# The process hears of the eviction from Redis (cramps.pagecache.tracking) within moments; until
# then its copy, verified a moment ago, may still be served.
deadline = time.monotonic() + 1
visit("entry evicted, with a copy")
while report["entry evicted, with a copy"][0] == "hit" and time.monotonic() < deadline:
    time.sleep(0.01)
    visit("entry evicted, with a copy")
print(json.dumps(report))
"""


def test_hits_and_invalidation_on_redis(redis_server, sqlite_file, tmp_path):
    result = run_django(SCRIPT, REDIS_URL=redis_server.url, DATABASE_URL=f"sqlite:///{sqlite_file}",
                        DJANGO_MEDIA_ROOT=str(tmp_path / "media"), CRAMPS_PAGE_CACHE_SECONDS="600",
                        CRAMPS_TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend")  # fmt: skip

    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["first"] == ["miss", True]
    assert report["again"] == ["hit", True]
    assert report["from the copy"] == ["hit", True]
    # The page (over 50 kB) crossed the network for the first hit only.
    assert report["again bytes"] > 50_000 > 10_000 > report["from the copy bytes"]
    assert report["companions"] == 1
    assert report["after an edit"] == ["miss", True]
    assert report["then"] == ["hit", True]
    assert report["no companion, after an edit"] == ["miss", True]
    assert report["no companion, then"] == ["hit", True]
    assert report["wrong companion, after an edit"] == ["miss", True]
    assert report["wrong companion replaced"] == ["hit", True]
    assert report["another render's companion, after an edit"] == ["miss", True]
    assert report["from the copy again"] == ["hit", True]
    assert report["entry evicted, with a copy"] == ["miss", True]
