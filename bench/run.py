"""Handout benchmarks (`make bench`): how fast handouts render and how fast stored ones are served.

Absolute times depend on the machine, so each figure is shown against a baseline measured in
the same run: a trivial one-paragraph render, and a plain static file served by WhiteNoise.
Runs against a throwaway SQLite database loaded with the demo content.
"""

import io
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = tempfile.TemporaryDirectory(prefix="cramps-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR.name}/bench.sqlite3"
os.environ["DJANGO_MEDIA_ROOT"] = f"{WORKDIR.name}/media"
# The first request renders and stores the handout itself, as no task worker runs here.
os.environ["CRAMPS_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cramps.settings")
sys.path.insert(0, str(ROOT))
# WhiteNoise serves from the finders here; there is no collected STATIC_ROOT to warn about.
warnings.filterwarnings("ignore", "No directory at", UserWarning)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402
from django.test import Client  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from cramps.handouts import document, render  # noqa: E402
from cramps.models import Article  # noqa: E402

RENDER_RUNS = 5
SERVE_SECONDS = 3.0
SITE_URL = "http://testserver/"
TRIVIAL_HTML = '<!doctype html><html lang="en"><title>Trivial</title><p>One paragraph.</p></html>'


def median_seconds(action, runs: int) -> float:
    action()  # warm caches (templates, formatted references) before timing
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def requests_per_second(client: Client, url: str) -> float:
    """GETs of ``url`` per second for SERVE_SECONDS, reading each body to the end."""
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < SERVE_SECONDS:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if response.streaming:
            for _ in response.streaming_content:
                pass
        response.close()
        count += 1
    return count / elapsed


def demo_article() -> Article:
    try:
        call_command("load_demo", "--no-user", verbosity=0)
    except CommandError as error:
        print(f"(no demo fixtures: {error}; using generated content)")
    articles = list(Article.objects.published())
    if not articles:
        from cramps.tests.factories import make_article, make_reference

        keys = [make_reference(key=f"bench{n}", pmid=str(10000 + n)).key for n in range(15)]
        paragraph = "Night cramps are sudden, painful contractions of the calf muscles. " * 12
        body = "\n\n".join(f"## Section {n}\n\n{paragraph} [@{keys[n]}; @{keys[n + 1]}]" for n in range(12))
        articles = [make_article(title="Leg cramps at night", body=body, key_points=[f"Point [@{keys[0]}]"])]
    return max(articles, key=lambda article: len(article.body_html))


def main() -> None:
    call_command("migrate", verbosity=0)
    article = demo_article()
    settings.DEBUG = False
    settings.WHITENOISE_AUTOREFRESH = False
    settings.WHITENOISE_USE_FINDERS = True

    trivial = median_seconds(lambda: render.pdf_render(html=TRIVIAL_HTML, base_url=SITE_URL), RENDER_RUNS)
    demo_pdf = document.handout_render(parts=[article], paper="a4", site_url=SITE_URL)
    pages = len(PdfReader(io.BytesIO(demo_pdf)).pages)
    demo = median_seconds(
        lambda: document.handout_render(parts=[article], paper="a4", site_url=SITE_URL), RENDER_RUNS
    )

    client = Client()
    url = f"/articles/{article.slug}/handout.pdf"
    assert client.get(url).status_code == 200  # stores it
    served = requests_per_second(client, url)
    static = requests_per_second(client, settings.STATIC_URL + document.STYLESHEET)

    rows = [
        ("Warm render, demo handout", f"{demo * 1000:.0f} ms", f"{trivial * 1000:.0f} ms (1 paragraph)",
         trivial / demo),
        ("Pages per second", f"{pages / demo:.1f}", f"{1 / trivial:.1f}", trivial * pages / demo),
        ("Stored handout served", f"{served:.0f} req/s", f"{static:.0f} req/s (static file)",
         served / static),
    ]  # fmt: skip
    print(f"\nHandouts: “{article.title}”, {pages} pages, {len(demo_pdf) // 1024} KB")
    print(f"{'Measure':<28} {'Value':>14}   {'Baseline':<30} {'Ratio':>7}")
    for name, value, baseline, ratio in rows:
        print(f"{name:<28} {value:>14}   {baseline:<30} {ratio:>6.2f}x")
    print("Ratio: value against baseline, higher is faster.")


if __name__ == "__main__":
    try:
        main()
    finally:
        WORKDIR.cleanup()
