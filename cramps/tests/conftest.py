"""Real services for fault tests: a Redis server of our own to stop, a file SQLite database,
and Django processes of their own (so a fault in one cannot hide behind the test's state)."""

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Ports this project's tests may give a throwaway redis-server (one per parallel test run).
REDIS_PORTS = range(6391, 6400)


def _free_port(ports: range) -> int:
    for port in ports:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"No free port in {ports.start}-{ports.stop - 1}")


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            message = "redis-server is not installed (Debian package 'redis-server')."
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        self.process = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server():
    """A redis-server of this test's own, started; the test may stop (and start) it."""
    server = RedisServer(port=_free_port(REDIS_PORTS))
    server.start()
    yield server
    server.stop()


def django_env(**overrides: str) -> dict[str, str]:
    """The environment for a Django process of its own: development settings, no Redis."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CRAMPS_"))
    }
    environment.pop("REDIS_URL", None)
    environment.update({"DJANGO_DEBUG": "1", "PYTHONUNBUFFERED": "1", **overrides})
    return environment


def run_django(script: str, *, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run ``script`` in a new Python process with Django set up; fail the test if it fails."""
    code = "import django, os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'cramps.settings')\n"
    code += "django.setup()\n" + script
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=django_env(**env),
                            capture_output=True, text=True, timeout=timeout)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    script = "from django.core.management import call_command\nfrom django.db import connection\n"
    script += "call_command('migrate', verbosity=0)\nconnection.close()\n"  # checkpoints the WAL
    run_django(script, DATABASE_URL=f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_file(_migrated_sqlite, tmp_path) -> Path:
    """A migrated SQLite database in a file of this test's own (a copy of one migrated once)."""
    path = tmp_path / "db.sqlite3"
    shutil.copy(_migrated_sqlite, path)
    return path
