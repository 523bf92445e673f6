"""Site search benchmark (`make bench`): p95 of `/search/` on the scale data set, on PostgreSQL.

Builds the scale data set once (``make_scale_data``: 10,000 articles, 1,000 nutrients, 50,000
references; ``BENCH_ARTICLES`` and ``BENCH_REFERENCES`` change the sizes) in its own database,
then times each query below ``RUNS`` times through the Django test client: the server's time
for the whole response (count, ranked page, snippets, template). Target: p95 under 100 ms.

    BENCH_SEARCH_DATABASE_URL  postgres://postgres@127.0.0.1:5432/cramps_bench_search (created if missing)
"""

import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get(
    "BENCH_SEARCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cramps_bench_search"
)
ARTICLES = int(os.environ.get("BENCH_ARTICLES", "10000"))
REFERENCES = int(os.environ.get("BENCH_REFERENCES", "50000"))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
TARGET_P95_MS = 100
QUERIES = {
    "common word": {"q": "magnesium"},
    "common word, page 3": {"q": "magnesium", "page": "3"},
    "two words": {"q": "night cramps"},
    "three rare words": {"q": "quinine stretching placebo"},
    "nutrient alias": {"q": "scalium 42"},
    "author": {"q": "Quinine17"},
    "PMID": {"q": "40000003"},
    "DOI": {"q": "https://doi.org/10.5555/scale.17"},
    "no match": {"q": "xylophone"},
}

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cramps.settings")
sys.path.insert(0, str(ROOT))


def ensure_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client

    from cramps.models import Article

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    if not Article.objects.filter(slug__startswith="scale-").exists():
        print(f"Building the scale data set ({ARTICLES} articles, {REFERENCES} references)…", flush=True)
        started = time.perf_counter()
        call_command(
            "make_scale_data", articles=ARTICLES, references=REFERENCES, stdout=open(os.devnull, "w")
        )
        print(f"  built in {time.perf_counter() - started:.0f} s", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    every = []
    print(f"{'query':<24} {'results':>8} {'p50 ms':>8} {'p95 ms':>8}")
    for name, params in QUERIES.items():
        response = client.get("/search/", params)  # warm
        assert response.status_code == 200, (name, response.status_code)
        timings = []
        for _ in range(RUNS):
            started = time.perf_counter()
            response = client.get("/search/", params)
            timings.append((time.perf_counter() - started) * 1000)
            reset_queries()
        every += timings
        found = re.search(r"(\d+) results? for", response.content.decode())
        count = found[1] if found else "?"
        print(f"{name:<24} {count:>8} {statistics.median(timings):>8.1f} {percentile(timings, 0.95):>8.1f}")
    p95 = percentile(every, 0.95)
    verdict = "PASS" if p95 < TARGET_P95_MS else "FAIL"
    print(
        f"search p95 over all queries: {p95:.1f} ms (target < {TARGET_P95_MS} ms on {connection.vendor}): {verdict}"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
