"""Background work on RQ (``CRAMPS_TASKS_BACKEND=rq``): the web process queues in Redis and
``manage.py rqworker`` does the work, as in production.

Each step runs in a process of its own (the web requests, then the worker) against a file
SQLite database and a redis-server of the test's own: nothing is shared but the two.
"""

import json
import subprocess
import sys

from .conftest import ROOT, django_env, run_django

REQUEST = """
import json
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from references.models import Reference, ReferenceImport
from cramps.handouts.models import Handout
from cramps.tests.factories import make_article

make_article(title="Queued page", slug="queued", body="Cramps at night.")
handout = Client().get("/articles/queued/handout.pdf")

admin = Client()
admin.force_login(get_user_model().objects.create_superuser("admin", "admin@example.com", "pw"))
rows = "title\\n" + "".join(f"Work {n}\\n" for n in range(8))
admin.post("/admin/references/reference/import/", {"format": "", "encoding": "",
           "import_file": SimpleUploadedFile("eight.csv", rows.encode())})
job = ReferenceImport.objects.get()
confirmed = admin.post(f"/admin/references/reference/import/{job.pk}/", {"confirm": "1"})
progress = admin.get(f"/admin/references/reference/import/{job.pk}/").content.decode()
job.refresh_from_db()
print(json.dumps({
    "handout": [handout.status_code, handout.content.decode()],
    "handout_rows": list(Handout.objects.values_list("state", flat=True)),
    "import": [confirmed.status_code, job.status, Reference.objects.count()],
    "import_message": job.message,
    "import_page": progress,
}))
"""

AFTER = """
import json
from django.test import Client
from references.models import Reference, ReferenceImport

handout = Client().get("/articles/queued/handout.pdf")
job = ReferenceImport.objects.get()
print(json.dumps({
    "handout": [handout.status_code, handout["Content-Type"], handout.content[:5].decode()],
    "import": [job.status, job.created_count, Reference.objects.count()],
}))
"""

ASK_AGAIN = "from django.test import Client\nprint(Client().get('/articles/queued/handout.pdf').status_code)"


def last_json(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


def rq_env(redis_server, sqlite_file, tmp_path) -> dict[str, str]:
    return {"CRAMPS_TASKS_BACKEND": "rq", "CRAMPS_RQ_URL": redis_server.url,
            "DATABASE_URL": f"sqlite:///{sqlite_file}", "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
            "CRAMPS_IMPORT_BACKGROUND_ROWS": "5"}  # fmt: skip


def test_the_rq_worker_renders_handouts_and_runs_imports_the_web_queued(redis_server, sqlite_file, tmp_path):
    env = rq_env(redis_server, sqlite_file, tmp_path)

    queued = last_json(run_django(REQUEST, **env))
    assert queued["handout"][0] == 202 and "Your PDF is being prepared" in queued["handout"][1]
    assert queued["handout_rows"] == ["queued"]
    assert queued["import"] == [302, "queued", 0] and "Waiting for the task worker" in queued["import_page"]

    worker = subprocess.run([sys.executable, "manage.py", "rqworker", "--burst"], cwd=ROOT,
                            env=django_env(**env), capture_output=True, text=True, timeout=300)  # fmt: skip
    assert worker.returncode == 0, worker.stderr[-3000:]

    done = last_json(run_django(AFTER, **env))
    assert done["handout"] == [200, "application/pdf", "%PDF-"]
    assert done["import"] == ["done", 8, 8]


def test_while_redis_is_down_no_handout_or_import_waits_for_ever(redis_server, sqlite_file, tmp_path):
    env = rq_env(redis_server, sqlite_file, tmp_path)
    redis_server.stop()

    down = last_json(run_django(REQUEST, **env))

    assert down["handout"][0] == 503
    assert "The queue of PDFs to make is not available just now." in down["handout"][1]
    assert down["handout_rows"] == []  # the next request queues it afresh
    assert down["import"] == [302, "failed", 0]
    assert down["import_message"] == (
        "The task queue is not available just now; nothing was imported. Upload the file again in a minute."
    )
    assert "Waiting for the task worker" not in down["import_page"]

    redis_server.start()
    again = run_django(ASK_AGAIN, **env)
    assert again.stdout.split()[-1] == "202"
