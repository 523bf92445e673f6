"""Handouts across processes, with no Redis: one render however many ask, and faults survived.

Each test runs Django in processes of its own against a file SQLite database (WAL), the
embedded default, with the local-memory cache: nothing is shared but the database.
"""

import json
import os
import signal
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from cramps.handouts import render
from cramps.models import Handout, HandoutState

from .conftest import run_django
from .factories import make_article

SETUP = """
import json, multiprocessing, os, sys
from django.db import connections
from django.test import Client
from cramps.handouts import rendering
from cramps.tests.factories import make_article, make_reference

make_reference(key="shared1")
make_article(title="Shared page", slug="shared", body="Text [@shared1].")
connections.close_all()
"""

TWENTY_AT_ONCE = (
    SETUP
    + """
start = multiprocessing.get_context("fork").Barrier(20)

def fetch(results):
    renders = []
    rendering.handout_rendered.connect(lambda sender, key, **kwargs: renders.append(key), weak=False)
    start.wait()
    response = Client().get("/articles/shared/handout.pdf")
    results.put((response.status_code, len(renders)))
    connections.close_all()

context = multiprocessing.get_context("fork")
results = context.Queue()
processes = [context.Process(target=fetch, args=(results,)) for _ in range(20)]
for process in processes:
    process.start()
outcomes = [results.get(timeout=120) for _ in processes]
for process in processes:
    process.join()
from cramps.models import Handout
from cramps.handouts import store
print(json.dumps({"outcomes": outcomes, "rows": list(Handout.objects.values_list("state", flat=True)),
                  "files": sorted(store.stored_keys()),
                  "again": Client().get("/articles/shared/handout.pdf").status_code}))
"""
)


def test_twenty_processes_asking_at_once_make_one_render(sqlite_file, tmp_path):
    result = run_django(TWENTY_AT_ONCE, timeout=300, DATABASE_URL=f"sqlite:///{sqlite_file}",
                        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
                        CRAMPS_TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend")  # fmt: skip

    report = json.loads(result.stdout.strip().splitlines()[-1])
    statuses = [status for status, _ in report["outcomes"]]
    assert sum(renders for _, renders in report["outcomes"]) == 1
    assert len(statuses) == 20 and set(statuses) <= {200, 202} and 200 in statuses
    assert report["rows"] == ["ready"] and len(report["files"]) == 1
    assert report["again"] == 200


@pytest.mark.django_db(transaction=True)
def test_a_killed_renderer_is_a_503_and_the_next_request_renders_again(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    body = "\n\n".join(f"Paragraph {n}: " + "cramps and nerves " * 40 for n in range(300))
    make_article(title="A long page", slug="long-page", body=body)
    url = "/articles/long-page/handout.pdf"
    responses = []

    def fetch():
        try:
            responses.append(Client().get(url))
        finally:
            connection.close()

    thread = threading.Thread(target=fetch)
    thread.start()
    deadline = time.monotonic() + 60
    while not (render.renderer.busy and render.renderer.pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert render.renderer.busy, "the render never started"
    os.kill(render.renderer.pid, signal.SIGKILL)
    thread.join()

    assert responses[0].status_code == 503
    assert "the renderer stopped" in responses[0].content.decode()
    again = Client().get(url)
    assert again.status_code == 200 and again["Content-Type"] == "application/pdf"
    assert Handout.objects.get().state == HandoutState.READY
