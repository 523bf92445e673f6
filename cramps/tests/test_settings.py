"""Settings come from the environment; production refuses to start without a secret key."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def environment_with(**env) -> dict:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(env)
    return environment


def run(args: list[str], **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=environment_with(**env),
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def run_check(*args: str, **env) -> subprocess.CompletedProcess:
    return run(["manage.py", "check", *args], **env)


# What gunicorn does first: import the web application.
START_WEB = ["-c", "import cramps.wsgi"]


def test_debug_off_without_a_secret_key_refuses_to_start():
    started = run(START_WEB, DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="cramps.example.org")
    deploy_check = run_check("--deploy", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="cramps.example.org")

    assert started.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in started.stderr
    assert deploy_check.returncode != 0
    assert "cramps.E001" in deploy_check.stderr
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in deploy_check.stderr


def test_commands_that_sign_nothing_run_without_any_environment():
    """``makemigrations --check`` on a fresh checkout, before anything is configured."""
    result = subprocess.run([sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=ROOT,
                            env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")},
                            capture_output=True, text=True, timeout=60)  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_debug_off_with_a_secret_key_starts():
    result = run_check(
        DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="cramps.example.org"
    )

    assert result.returncode == 0, result.stderr


def test_database_url_chooses_the_database():
    script = "from django.db import connection; print(connection.vendor, connection.settings_dict['NAME'])"
    environment = {**os.environ, "DATABASE_URL": "postgres://someone@db.example:5432/cramps_prod"}

    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60)  # fmt: skip

    assert result.stdout.strip().splitlines()[-1] == "postgresql cramps_prod"


def test_debug_is_off_unless_asked_for():
    result = run(START_WEB, DJANGO_ALLOWED_HOSTS="cramps.example.org")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr
    assert run(START_WEB, DJANGO_DEBUG="1").returncode == 0


def test_the_tasks_backend_is_named_short_or_by_its_dotted_path():
    script = "from django.conf import settings; print(settings.TASKS['default']['BACKEND'])"
    backends = {}
    for name in ["", "database", "rq", "immediate", "django_tasks.backends.dummy.DummyBackend"]:
        environment = {**os.environ, "DJANGO_DEBUG": "1", "CRAMPS_TASKS_BACKEND": name,
                       "CRAMPS_RQ_URL": "redis://127.0.0.1:6379/1"}  # fmt: skip
        result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=environment,
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        backends[name] = result.stdout.strip().splitlines()[-1]

    assert backends == {
        "": "django_tasks_db.DatabaseBackend",
        "database": "django_tasks_db.DatabaseBackend",
        "rq": "django_tasks_rq.RQBackend",
        "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        "django_tasks.backends.dummy.DummyBackend": "django_tasks.backends.dummy.DummyBackend",
    }


def test_rq_without_a_redis_address_refuses_to_start():
    result = run_check(DJANGO_DEBUG="1", CRAMPS_TASKS_BACKEND="rq", CRAMPS_RQ_URL="", REDIS_URL="")

    assert result.returncode != 0
    assert "CRAMPS_TASKS_BACKEND=rq queues tasks in Redis: set CRAMPS_RQ_URL (or REDIS_URL)" in result.stderr
