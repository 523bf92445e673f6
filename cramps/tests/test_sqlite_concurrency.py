"""SQLite, the embedded default, under concurrent editors: WAL, IMMEDIATE and a busy timeout.

Twenty editors save in the admin at the same moment, each in a thread with its own
connection, against a database file (as in production, not the tests' in-memory one).
"""

import json

from .conftest import run_django

SCRIPT = """
import json, threading
from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.test import Client
from cramps.models import Article
from cramps.tests.factories import make_article
from cramps.tests.html_forms import form_data

user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
articles = [make_article(title=f"Page {n}", slug=f"page-{n}", tags=["sleep"]) for n in range(20)]
mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
connections.close_all()
start = threading.Barrier(20, timeout=60)
outcomes = []

def save(article):
    try:
        client = Client()
        client.force_login(user)
        url = f"/admin/cramps/article/{article.pk}/change/"
        data = form_data(client.get(url).content.decode(), "article_form")
        data["title"] = [f"Page {article.pk} (edited)"]
        start.wait()
        response = client.post(url, data)
        outcomes.append(response.status_code if response.status_code != 200 else response.content.decode()[:2000])
    except Exception as error:
        outcomes.append(repr(error))
    finally:
        connections.close_all()

threads = [threading.Thread(target=save, args=(article,)) for article in articles]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
edited = Article.objects.filter(title__endswith="(edited)").count()
print(json.dumps({"mode": mode, "outcomes": outcomes, "edited": edited}))
"""


def test_twenty_simultaneous_admin_saves_all_succeed(sqlite_file, tmp_path):
    result = run_django(SCRIPT, timeout=300, DATABASE_URL=f"sqlite:///{sqlite_file}",
                        DJANGO_MEDIA_ROOT=str(tmp_path / "media"))  # fmt: skip

    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["mode"] == "wal"
    assert report["outcomes"] == [302] * 20
    assert report["edited"] == 20
    assert "database is locked" not in result.stderr
