"""/healthz reports the database and the cache separately; 503 only when the site cannot serve."""

import json

import pytest

from .conftest import run_django

CHECK = (
    "from django.test import Client; r = Client().get('/healthz'); "
    "import json; print(json.dumps([r.status_code, r.json()]))"
)


def healthz_in_a_process(**env) -> tuple[int, dict]:
    result = run_django(CHECK, **env)
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    return status, body


@pytest.mark.django_db
def test_healthz_answers_200_when_the_database_and_cache_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable():
    """A process whose DATABASE_URL names a port where no database listens."""
    status, body = healthz_in_a_process(DATABASE_URL="postgres://postgres@127.0.0.1:1/nothing",
                                        DJANGO_CONN_MAX_AGE="0")  # fmt: skip

    assert status == 503
    assert body == {"status": "unavailable", "database": "unavailable", "cache": "ok"}


def test_healthz_answers_200_degraded_when_redis_is_unreachable(tmp_path):
    """REDIS_URL names a port where no Redis listens: the site still serves, without its cache."""
    status, body = healthz_in_a_process(REDIS_URL="redis://127.0.0.1:1/0",
                                        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")  # fmt: skip

    assert status == 200
    assert body == {"status": "degraded", "database": "ok", "cache": "unavailable"}
