"""Page benchmark (`make bench`): one table of every public page type, uncached and cached.

For each page type: queries and server time (wall and CPU, warm, median) at demo size and at
scale (`make_scale_data`), measured in-process on PostgreSQL; then requests per second through
one gunicorn (2 workers, each holding an even share of the connections; production mode,
Redis), uncached (the request carries an Authorization header, so the page cache lets it
through; data caches stay on) and cached, with the static file
(WhiteNoise, same server) measured right before each: a ratio is a page's rate over the static
file's just before it, so it holds across machines; cached pages take the median ratio of
interleaved rounds. Then the warm render time of a 4-page demo handout and pages
per second over the demo set, and the load run (bench/load.py's) on the cached server. Prints
the table with pass/fail for each target and writes it as JSON under bench/results/.

    BENCH_DATABASE_URL        demo-size database (created if missing)  postgres://postgres@127.0.0.1:5432/cramps_bench
    BENCH_SCALE_DATABASE_URL  scale database (built once, kept)        postgres://postgres@127.0.0.1:5432/cramps_bench_scale
    BENCH_REDIS_URL, BENCH_PORT                                        redis://127.0.0.1:6379/15, 8765
    BENCH_RATE_SECONDS (3), BENCH_CONNECTIONS (32), BENCH_CLIENTS (50), BENCH_SECONDS (60),
    BENCH_HEAD_TO_HEAD_RUNS (3: interleaved uncached runs of the detail pages and the bare view)
    BENCH_CACHED_RUNS (3: interleaved rounds of the cached pages and the static file)
"""

import collections
import datetime
import http.client
import json
import os
import platform
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
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402

DEMO_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cramps_bench")
SCALE_URL = os.environ.get(
    "BENCH_SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cramps_bench_scale"
)
RATE_SECONDS = float(os.environ.get("BENCH_RATE_SECONDS", "3"))
# 32, not 8: gunicorn's 2 workers share keep-alive connections unevenly (of 8, one worker
# often held 6 or 7 and the other idled), which made single runs differ by up to 40%.
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
# wrk (Debian's `wrk`), as the issue measured, when installed: it takes far less of the shared
# CPU than the Python client below, which is the fallback.
WRK = shutil.which("wrk")
SS = shutil.which("ss")
# gunicorn's workers and threads in the bench (the set-up: 2 workers on 2 cores).
WORKERS, THREADS = 2, 4
# Each worker may hold at most this many connections while rates are measured. gunicorn's
# workers race to accept the connections wrk opens all at once, and uncapped one often took 29
# to 32 of the 32 (measured with ``ss``): the run then measured about one process, and a page's
# ratio to the static file swung between 0.5 and 1.7 from run to run. With the cap a worker that
# is full stops accepting (gthread), so each holds between 12 and 20 and both are kept busy. The
# threads' share on top keeps gunicorn's keep-alive limit (connections - threads) above what a
# worker holds. The load run has more clients than that, so it runs on a server without it.
BALANCED_CONNECTIONS = CONNECTIONS // WORKERS + THREADS
# How many connections each worker held in each wrk run, sampled with ``ss`` (reported).
held_in_runs: list[list[int]] = []
SERVER_RUNS = 15
STATIC = "/static/css/site.css"
# Requests carrying credentials are never answered from the page cache (cramps.pagecache).
UNCACHED = {"Authorization": "Bench uncached"}

# Page type → (demo URL, scale URL). The scale data set holds the demo content too.
PAGES = {
    "home": ("/", "/"),
    "article list": ("/articles/", "/articles/?page=last"),
    "article detail": ("/articles/nutritional-causes-of-muscle-spasms/", "/articles/scale-article-4242/"),
    "nutrient detail": ("/nutrients/magnesium/", "/nutrients/magnesium/"),
    "tag list": ("/tags/", "/tags/"),
    "tag page": ("/tags/pregnancy/", "/tags/scale-topic-0/"),
    "reference list": ("/references/", "/references/?page=last"),
    "reference search": ("/references/?q=magnesium", "/references/?q=Quinine17"),
    # The same study page in both: its summary's citations cost queries a summary-less one lacks.
    "reference detail": ("/references/garrison2020/", "/references/garrison2020/"),
    "handout builder": ("/handout/", "/handout/"),
    "stored handout": ("/nutrients/magnesium/handout.pdf", "/nutrients/magnesium/handout.pdf"),
    "bare view (baseline)": ("/bench/bare/magnesium/", "/bench/bare/magnesium/"),
}
# Interleaved uncached runs deciding "as fast as the bare view" (``throughput``).
HEAD_TO_HEAD = ("bare view (baseline)", "article detail", "nutrient detail")
HEAD_TO_HEAD_RUNS = int(os.environ.get("BENCH_HEAD_TO_HEAD_RUNS", "3"))
# Interleaved rounds of the cached pages against the static file (``throughput``).
CACHED_RUNS = int(os.environ.get("BENCH_CACHED_RUNS", "3"))
TARGETS = {"cached": 0.7, "stored handout": 0.6, "cpu_ms": 5.0, "scale_ms": 50.0, "render_ms": 300.0}


def environment(database_url: str, workdir: str, *, page_cache: bool) -> dict[str, str]:
    env = load.production_env(workdir)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DJANGO_ALLOWED_HOSTS=f"{load.HOST},testserver",
        CRAMPS_PAGE_CACHE_SECONDS="600" if page_cache else "0",
        CRAMPS_TASKS_BACKEND="django_tasks.backends.immediate.ImmediateBackend",
        PYTHONPATH=str(ROOT),
        # The bench renders the same handouts run after run from one address.
        CRAMPS_HANDOUT_RENDER_RATE="10000/h",
        WEB_CONCURRENCY=str(WORKERS),
        GUNICORN_THREADS=str(THREADS),
    )
    return env


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                            capture_output=True, text=True)  # fmt: skip
    return result.stdout


def prepare(workdir: str) -> None:
    for url, scale in ((DEMO_URL, False), (SCALE_URL, True)):
        ensure_database(url)
        env = environment(url, workdir, page_cache=False)
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo", "--no-user")
        if scale:
            has_scale = "from references.models import Reference as R; print(R.objects.filter(key__startswith='scale').exists())"
            if manage(env, "shell", "-c", has_scale).strip().endswith("False"):
                print("Building the scale data set (once; kept in BENCH_SCALE_DATABASE_URL)…", flush=True)
                manage(env, "make_scale_data", "--articles", "10000", "--references", "50000")


def flush_cache() -> None:
    """Empty the bench's Redis DB: the demo and scale databases must not share cached entries."""
    import redis

    redis.Redis.from_url(load.REDIS_URL).flushdb()


def server_times(database_url: str, workdir: str, column: int, handouts: bool) -> dict:
    """Queries, wall and CPU ms per page type, in a process of its own on ``database_url``."""
    flush_cache()
    env = environment(database_url, workdir, page_cache=True)
    env["BENCH_COLUMN"], env["BENCH_HANDOUTS"] = str(column), "1" if handouts else ""
    result = subprocess.run([sys.executable, __file__, "--server-times"], cwd=ROOT, env=env,
                            capture_output=True, text=True)  # fmt: skip
    if result.returncode:
        raise SystemExit(f"Measuring server times failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _server_times_here() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    # An Authorization header bypasses the page cache; the data caches (memos) stay on, warm.
    column, results, client = int(os.environ["BENCH_COLUMN"]), {}, Client(headers=UNCACHED)
    for name, urls in PAGES.items():
        url = urls[column]
        # A stored handout whose file went with an earlier run's folder is rendered again first.
        for _ in range(10):
            if client.get(url).status_code == 200:
                break
        assert client.get(url).status_code == 200, url
        walls, cpus = [], []
        for _ in range(SERVER_RUNS):
            with CaptureQueriesContext(connection) as queries:
                wall, cpu = time.perf_counter(), time.process_time()
                client.get(url)
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
        results[name] = {"queries": len(queries), "ms": statistics.median(walls) * 1000,
                         "cpu_ms": statistics.median(cpus) * 1000}  # fmt: skip
    if os.environ.get("BENCH_HANDOUTS"):
        results["_render"] = _render_times()
    print(json.dumps(results))


def _render_times() -> dict:
    """Warm handout renders: each published demo page's handout once (pages per second for the
    set), then the target's 4-page handout, median of 5 (the longest demo handout of at most 4
    pages; the longest of all is reported beside it)."""
    import io

    from pypdf import PdfReader

    from cramps.handouts import document
    from cramps.models import Article, Nutrient

    site = f"http://{load.HOST}/"

    def render(page) -> bytes:
        return document.handout_render(parts=[page], paper="a4", site_url=site)

    def median_ms(page) -> float:
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            render(page)
            timings.append(time.perf_counter() - started)
        return statistics.median(timings) * 1000

    pages = {page: len(PdfReader(io.BytesIO(render(page))).pages)
             for page in [*Article.objects.published(), *Nutrient.objects.published()]}  # fmt: skip
    started = time.perf_counter()
    for page in pages:
        render(page)
    set_seconds = time.perf_counter() - started
    target = max(
        (page for page in pages if pages[page] <= 4), key=lambda page: (pages[page], len(page.body_html))
    )
    longest = max(pages, key=lambda page: (pages[page], len(page.body_html)))
    return {
        "title": target.title, "pages": pages[target], "ms": median_ms(target),
        "longest": {"title": longest.title, "pages": pages[longest], "ms": median_ms(longest)},
        "set": {"handouts": len(pages), "pages": sum(pages.values()), "seconds": set_seconds},
    }  # fmt: skip


def _get(connection: http.client.HTTPConnection, path: str, headers: dict) -> int:
    connection.request("GET", path, headers={"Host": load.HOST, **headers})
    response = connection.getresponse()
    response.read()
    return response.status


def rate(path: str, headers: dict | None = None) -> tuple[float, int]:
    """Requests per second on CONNECTIONS keep-alive connections for RATE_SECONDS, and errors."""
    if WRK:
        return _wrk_rate(path, headers or {})
    return _python_rate(path, headers or {})


def _wrk_rate(path: str, headers: dict) -> tuple[float, int]:
    options = [f"--header={name}: {value}" for name, value in {"Host": load.HOST, **headers}.items()]
    run = subprocess.Popen(
        [WRK, "--threads=2", f"--connections={CONNECTIONS}", f"--duration={max(1, round(RATE_SECONDS))}s",
         *options, f"http://{load.HOST}:{load.PORT}{path}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(min(1.0, RATE_SECONDS / 4))
    held = _connections_held()
    out, err = run.communicate()
    if run.returncode != 0:
        raise RuntimeError(f"wrk failed: {err.strip()}")
    if held is not None:
        held_in_runs.append(held)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses:\s+(\d+)", out))
    if socket := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(n) for n in socket.groups())
    return rps, errors


def _connections_held() -> list[int] | None:
    """How many of the bench's connections each server process holds now (None: ``ss`` not
    installed)."""
    if SS is None:
        return None
    listing = subprocess.run([SS, "-Htnp", "state", "established", f"( sport = :{load.PORT} )"],
                             capture_output=True, text=True).stdout  # fmt: skip
    return sorted(collections.Counter(re.findall(r"pid=(\d+)", listing)).values())


def connection_split() -> str:
    """What the ``ss`` samples say about the workers' shares of the connections."""
    if not held_in_runs:
        return "connections per worker not sampled (ss not installed)"
    shared = [held for held in held_in_runs if len(held) >= WORKERS]
    text = f"each worker held at most {BALANCED_CONNECTIONS} connections"
    if shared:
        text += f"; {min(map(min, shared))}–{max(map(max, shared))} in {len(shared)} of {len(held_in_runs)} runs sampled"
    if alone := len(held_in_runs) - len(shared):
        text += f"; in {alone}, only one worker held any, as while the other is replaced (max_requests)"
    return text


def _python_rate(path: str, headers: dict) -> tuple[float, int]:
    counts, errors, stop_at = [0] * CONNECTIONS, [0] * CONNECTIONS, time.monotonic() + RATE_SECONDS

    def client(n: int) -> None:
        connection = http.client.HTTPConnection(load.HOST, load.PORT, timeout=30)
        while time.monotonic() < stop_at:
            try:
                status = _get(connection, path, headers or {})
            except (OSError, http.client.HTTPException):
                errors[n] += 1
                connection = http.client.HTTPConnection(load.HOST, load.PORT, timeout=30)
                continue
            if status == 200:
                counts[n] += 1
            else:
                errors[n] += 1
        connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started), sum(errors)


def serve(workdir: str, *, balanced: bool) -> subprocess.Popen:
    """gunicorn in production mode on the demo database; ``balanced``: each worker holds at most
    ``BALANCED_CONNECTIONS`` (for the rate runs)."""
    env = environment(DEMO_URL, workdir, page_cache=True)
    env["REDIS_URL"] = load.REDIS_URL
    if balanced:
        env["GUNICORN_CMD_ARGS"] = f"--worker-connections {BALANCED_CONNECTIONS}"
    process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                                "cramps.wsgi"], cwd=ROOT, env=env)  # fmt: skip
    load.wait_until_up(process)
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=60)


def throughput(workdir: str) -> tuple[dict, dict, dict]:
    """req/s of each page uncached and cached, each run right after a run of the static file, on one
    server whose workers hold even shares of the connections; then the load run, on a server
    without that cap (its 50 clients are more than the cap lets in).

    A page's ratio is its rate over the static file's in the run just before it: a slow few
    seconds on a shared machine then slow both. Cached pages, which have targets, are measured
    in ``CACHED_RUNS`` interleaved rounds and take the median of their ratios: single runs here
    vary by ±10–30%.
    """
    flush_cache()
    process = serve(workdir, balanced=True)
    uncached, runs = {}, {name: [] for name in PAGES}
    try:
        for name, (url, _) in PAGES.items():
            for _ in range(3):  # warm: stored handout rendered, entries cached
                load.get(http.client.HTTPConnection(load.HOST, load.PORT, timeout=60), url)
            uncached[name] = _paired([(*rate(url, UNCACHED), rate(STATIC)[0])])
        for _ in range(CACHED_RUNS):
            for name, (url, _) in PAGES.items():
                static, _ = rate(STATIC)
                runs[name].append((*rate(url), static))
        cached = {name: _paired(pairs) for name, pairs in runs.items()}
        # The uncached detail pages against the bare view: their rates are close, so one run each
        # is decided by noise; the verdict takes the median of interleaved runs.
        head_to_head = {name: [] for name in HEAD_TO_HEAD}
        for _ in range(HEAD_TO_HEAD_RUNS):
            for name in HEAD_TO_HEAD:
                head_to_head[name].append(rate(PAGES[name][0], UNCACHED)[0])
        for name, rates in head_to_head.items():
            uncached[name]["median_rps"] = statistics.median(rates)
        stop(process)
        process = serve(workdir, balanced=False)
        run = load_run()
    finally:
        stop(process)
    return uncached, cached, run


def _paired(runs: list[tuple[float, int, float]]) -> dict:
    """Medians of (page req/s, errors, static req/s) runs, and the median of their ratios."""
    return {
        "rps": statistics.median(page for page, _, _ in runs),
        "static_rps": statistics.median(static for _, _, static in runs),
        "errors": sum(errors for _, errors, _ in runs),
        "ratio": statistics.median(page / static for page, _, static in runs),
        "runs": len(runs),
    }


def load_run() -> dict:
    handouts = [
        "/nutrients/magnesium/handout.pdf",
        "/articles/nutritional-causes-of-muscle-spasms/handout.pdf",
    ]
    for url in handouts:  # stored before the run: the load is on stored handouts, not renders
        for _ in range(30):
            if load.get(http.client.HTTPConnection(load.HOST, load.PORT, timeout=60), url)[0] == 200:
                break
            time.sleep(1)
    urls = load.public_urls() + handouts
    latencies, errors = load.load(urls)
    seconds = [latency for _, latency in latencies]
    return {
        "clients": load.CLIENTS, "seconds": load.SECONDS, "urls": len(urls), "requests": len(latencies) + len(errors),
        "errors": len(errors), "p50_ms": load.percentile(seconds, 0.50) * 1000,
        "p95_ms": load.percentile(seconds, 0.95) * 1000, "p99_ms": load.percentile(seconds, 0.99) * 1000,
    }  # fmt: skip


def verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def report(result: dict) -> list[str]:
    demo, scale, uncached, cached = (result[k] for k in ("demo", "scale", "uncached", "cached"))
    lines = [
        f"Machine: {result['machine']}",
        f"Client: {result['client']}",
        "",
        "| Page | Queries demo / scale | Server ms demo / scale | CPU ms (demo) | Uncached req/s (× static) | Cached req/s (× static) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    static = statistics.median(row["static_rps"] for row in [*uncached.values(), *cached.values()])
    lines.append(f"| static file (baseline) | | | | {static:.0f} (1.00) | {static:.0f} (1.00) |")
    for name in PAGES:
        d, s, u, c = demo[name], scale[name], uncached[name], cached[name]
        lines.append(
            f"| {name} | {d['queries']} / {s['queries']} | {d['ms']:.1f} / {s['ms']:.1f} | {d['cpu_ms']:.1f} "
            f"| {u['rps']:.0f} ({u['ratio']:.3f}) | {c['rps']:.0f} ({c['ratio']:.3f}) |"
        )
    render = demo["_render"]
    longest, demo_set = render["longest"], render["set"]
    lines += [
        "",
        f"Handout render (warm, “{render['title']}”, {render['pages']} pages): {render['ms']:.0f} ms, "
        f"{render['pages'] / render['ms'] * 1000:.1f} pages/s; the longest, “{longest['title']}” "
        f"({longest['pages']} pages): {longest['ms']:.0f} ms",
        f"Demo set: {demo_set['handouts']} handouts, {demo_set['pages']} pages in {demo_set['seconds']:.1f} s, "
        f"{demo_set['pages'] / demo_set['seconds']:.1f} pages/s",
    ]
    run = result["load"]
    lines.append(
        f"Load: {run['clients']} clients for {run['seconds']:g} s on {run['urls']} URLs (cached server): "
        f"{run['requests']} requests, {run['errors']} errors, p50 {run['p50_ms']:.0f} ms, "
        f"p95 {run['p95_ms']:.0f} ms, p99 {run['p99_ms']:.0f} ms, {os.cpu_count()} cores"
    )
    lines += ["", "Targets:"]
    for name in (
        "home",
        "article detail",
        "nutrient detail",
        "article list",
        "tag list",
        "tag page",
        "reference list",
    ):
        lines.append(f"- cached {name} ≥ {TARGETS['cached']}× static: {cached[name]['ratio']:.2f} "
                     f"{verdict(cached[name]['ratio'] >= TARGETS['cached'])}")  # fmt: skip
    handout = cached["stored handout"]["ratio"]
    lines.append(f"- stored handout ≥ {TARGETS['stored handout']}× static: {handout:.2f} "
                 f"{verdict(handout >= TARGETS['stored handout'])}")  # fmt: skip
    bare = uncached["bare view (baseline)"]["median_rps"]
    for name in ("article detail", "nutrient detail"):
        page = uncached[name]["median_rps"]
        lines.append(f"- uncached {name} ≥ bare view (medians of {HEAD_TO_HEAD_RUNS} interleaved runs): "
                     f"{page:.0f} vs {bare:.0f} req/s {verdict(page >= bare)}")  # fmt: skip
    cpu = demo["nutrient detail"]["cpu_ms"]
    lines.append(
        f"- CPU on the magnesium page ≤ {TARGETS['cpu_ms']:g} ms: {cpu:.1f} {verdict(cpu <= TARGETS['cpu_ms'])}"
    )
    slow = {
        name: row["ms"]
        for name, row in scale.items()
        if not name.startswith("_") and row["ms"] > TARGETS["scale_ms"]
    }
    lines.append(f"- every page ≤ {TARGETS['scale_ms']:g} ms at scale: {verdict(not slow)}"
                 + (f" (over: {', '.join(f'{n} {ms:.0f} ms' for n, ms in slow.items())})" if slow else ""))  # fmt: skip
    changed = [name for name in PAGES if demo[name]["queries"] != scale[name]["queries"]]
    lines.append(f"- same queries at demo size and at scale: {verdict(not changed)}"
                 + (f" (differ: {', '.join(changed)})" if changed else ""))  # fmt: skip
    lines.append(
        f"- {render['pages']}-page handout render ≤ {TARGETS['render_ms']:g} ms: {render['ms']:.0f} {verdict(render['ms'] <= TARGETS['render_ms'])}"
    )
    lines.append(
        f"- load: 0 errors, p95 < {load.TARGET_P95_MS} ms: {verdict(run['errors'] == 0 and run['p95_ms'] < load.TARGET_P95_MS)}"
    )
    return lines


def main() -> int:
    workdir = tempfile.mkdtemp(prefix="cramps-bench-pages-")
    flush_cache()
    try:
        prepare(workdir)
        result = {
            "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.node()} · {platform.processor() or platform.machine()} · "
                       f"{os.cpu_count()} cores · Python {platform.python_version()}",
            "client": f"{'wrk' if WRK else 'Python http.client (wrk not found)'}, {CONNECTIONS} keep-alive "
                      f"connections, {RATE_SECONDS:g} s a run",
            "demo": server_times(DEMO_URL, workdir, 0, handouts=True),
            "scale": server_times(SCALE_URL, workdir, 1, handouts=False),
        }  # fmt: skip
        result["uncached"], result["cached"], result["load"] = throughput(workdir)
        if WRK:
            result["client"] += f"; {connection_split()}"
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    lines = report(result)
    print("\n".join(lines))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = result["when"].replace(":", "").replace("+0000", "Z")
    (results / f"pages-{stamp}.json").write_text(json.dumps({**result, "table": lines}, indent=1))
    return 0


if __name__ == "__main__":
    if "--server-times" in sys.argv:
        _server_times_here()
    else:
        sys.exit(main())
