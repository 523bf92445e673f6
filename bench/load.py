"""Load run (`make bench`): 50 clients for 60 s on the public pages, through gunicorn in
production mode with PostgreSQL and Redis. Prints the error count (must be 0) and latency
percentiles with the machine's core count; exits non-zero on any error.

Everything it uses is named by the environment, so it never touches another database:

    BENCH_DATABASE_URL  postgres://postgres@127.0.0.1:5432/cramps_bench (created if missing)
    BENCH_REDIS_URL     redis://127.0.0.1:6379/15
    BENCH_PORT          8765
    BENCH_CLIENTS, BENCH_SECONDS   50, 60
"""

import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cramps_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
PORT = int(os.environ.get("BENCH_PORT", "8765"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "50"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
HOST = "127.0.0.1"
TARGET_P95_MS = 300


def production_env(workdir: str) -> dict[str, str]:
    """Production mode as the README sets it up, on loopback (no TLS proxy in front)."""
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "CRAMPS_"))},
        "DJANGO_SECRET_KEY": "bench-only-secret-key-6c1f0e9d8b7a5c4e3f2a1b0c9d8e7f6a5b4c3d2e1f0",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CRAMPS_SITE_URL": f"http://{HOST}:{PORT}",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_MEDIA_ROOT": f"{workdir}/media",
        "DJANGO_STATIC_ROOT": f"{workdir}/static",
        "GUNICORN_BIND": f"{HOST}:{PORT}",
        # One line per request would be 50 × 60 s of log: errors only.
        "DJANGO_LOG_LEVEL": "WARNING",
        "GUNICORN_LOG_LEVEL": "warning",
    }


def ensure_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def get(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    connection.request("GET", path, headers={"Host": HOST})
    response = connection.getresponse()
    return response.status, response.read()


def public_urls() -> list[str]:
    """Every public page the site links to from its lists (articles, nutrients, references, tags)."""
    connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
    urls = ["/", "/articles/", "/nutrients/", "/references/", "/tags/", "/handout/", "/sitemap.xml"]
    for listing in ("/articles/", "/nutrients/", "/tags/", "/references/"):
        status, body = get(connection, listing)
        assert status == 200, (listing, status)
        prefix = listing.rstrip("/")
        urls += sorted(set(re.findall(rf'href="({prefix}/[^"?#]+/)"', body.decode())))
    connection.close()
    return list(dict.fromkeys(urls))


def wait_until_up(process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped while starting")
        try:
            if get(http.client.HTTPConnection(HOST, PORT, timeout=2), "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def load(urls: list[str]) -> tuple[list[tuple[str, float]], list[str]]:
    """CLIENTS threads, each on its own keep-alive connection, for SECONDS; (path, latency)s and errors."""
    latencies: list[tuple[str, float]] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def client(offset: int) -> None:
        connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
        mine, problems, index = [], [], offset
        while time.monotonic() < stop_at:
            path = urls[index % len(urls)]
            index += 1
            started = time.perf_counter()
            try:
                status, _ = get(connection, path)
            except (OSError, http.client.HTTPException) as error:
                problems.append(f"{path}: {type(error).__name__}")
                connection.close()
                connection = http.client.HTTPConnection(HOST, PORT, timeout=30)
                continue
            mine.append((path, time.perf_counter() - started))
            if status != 200:
                problems.append(f"{path}: HTTP {status}")
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.extend(problems)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors


def percentile(values: list[float], fraction: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1]


def main() -> int:
    workdir = tempfile.mkdtemp(prefix="cramps-load-")
    env = production_env(workdir)
    ensure_database()
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo", "--no-user")
    gunicorn = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "cramps.wsgi"],
                                cwd=ROOT, env=env)  # fmt: skip
    try:
        wait_until_up(gunicorn)
        urls = public_urls()
        latencies, errors = load(urls)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)
    requests = len(latencies) + len(errors)
    seconds = [latency for _, latency in latencies]
    p50, p95, p99 = (percentile(seconds, f) * 1000 for f in (0.50, 0.95, 0.99))
    by_path: dict[str, list[float]] = {}
    for path, latency in latencies:
        by_path.setdefault(path, []).append(latency)
    slowest = sorted(by_path.items(), key=lambda item: -statistics.median(item[1]))[:5]
    print(f"\nLoad: {CLIENTS} clients for {SECONDS:g} s on {len(urls)} public pages "
          f"(gunicorn, PostgreSQL, Redis), {os.cpu_count()} CPU cores")  # fmt: skip
    print(f"Requests {requests}  ({requests / SECONDS:.0f}/s)   errors {len(errors)}")
    print(
        f"Latency  p50 {p50:.0f} ms   p95 {p95:.0f} ms   p99 {p99:.0f} ms   (target: p95 under {TARGET_P95_MS} ms)"
    )
    print("Slowest pages (median): " + ", ".join(f"{path} {statistics.median(values) * 1000:.0f} ms"
                                                 for path, values in slowest))  # fmt: skip
    for error in sorted(set(errors))[:10]:
        print(f"  error: {error}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
