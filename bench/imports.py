"""Reference import benchmarks (`make bench`): how import time compares with a bare insert, and
whether it grows with the library.

Absolute times depend on the machine, so each figure is a ratio to a baseline measured in the
same run, on a throwaway SQLite database; each is the fastest of ``RUNS`` runs, so that another
process busy on the machine skews the ratios less:

- a 10,000-reference RIS file imported into an empty library, and imported again (every record
  then unchanged), against a bare parse-and-``bulk_create`` of the same file: targets 3x and 2x;
- a one-reference import into a 50,000-reference library, against the same into the demo
  library: target 2x ("about the same").
"""

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = tempfile.TemporaryDirectory(prefix="cramps-bench-imports-")
os.environ["DATABASE_URL"] = f"sqlite:///{WORKDIR.name}/bench.sqlite3"
os.environ["DJANGO_MEDIA_ROOT"] = f"{WORKDIR.name}/media"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cramps.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402
from django.db import transaction  # noqa: E402

from references.formats import ris  # noqa: E402
from references.importing import references_import  # noqa: E402
from references.jobs import upload_read  # noqa: E402
from references.models import Reference  # noqa: E402

RECORDS = 10_000
RUNS = 2
LARGE_LIBRARY = 50_000
TARGETS = {"import": 3.0, "re-import": 2.0, "one row, large library": 2.0}
WORDS = ("magnesium cramps muscle nocturnal leg vitamin neuropathy calcium potassium zinc deficiency "
         "trial cohort review adults older pregnancy dialysis cirrhosis exercise quinine stretching").split()  # fmt: skip


def ris_file(count: int, seed: int) -> bytes:
    """``count`` journal articles as a reference manager writes them; most with a DOI, some a PMID."""
    rng = random.Random(seed)
    entries = []
    for n in range(count):
        title = " ".join(rng.choice(WORDS) for _ in range(9)).capitalize() + f" ({seed}-{n})"
        authors = "".join(
            f"AU  - {rng.choice(WORDS).title()}{n % 97}, {rng.choice('ABCDEFGH')}\n" for _ in range(3)
        )
        doi = f"DO  - 10.{1000 + seed}/bench.{n}\n" if n % 5 else ""
        pmid = f"AN  - {30_000_000 + seed * RECORDS + n}\nDB  - PubMed\n" if n % 3 == 0 else ""
        abstract = " ".join(rng.choice(WORDS) for _ in range(25))
        entries.append(
            f"TY  - JOUR\n{authors}TI  - {title}\nT2  - Journal of {rng.choice(WORDS).title()}\n"
            f"PY  - {1980 + n % 45}\nVL  - {n % 60}\nIS  - {n % 12}\nSP  - {n % 900}\nEP  - {n % 900 + 9}\n"
            f"{doi}{pmid}AB  - {abstract}\nER  - \n\n"
        )
    return "".join(entries).encode()


def seconds(action, before=lambda: None, runs: int = 1) -> float:
    """The fastest of ``runs`` timings of ``action``, each after an untimed ``before``."""
    timings = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return min(timings)


def empty_library() -> None:
    Reference.objects.all().delete()


def baseline(data: bytes) -> None:
    """What any import must do at least: read the file and insert its rows."""
    records = ris.parse(data)
    references = [Reference(**{**record, "key": f"bench{n}"}) for n, record in enumerate(records)]
    with transaction.atomic():
        Reference.objects.bulk_create(references, batch_size=500)


def cramps_import(data: bytes, name: str = "bench.ris") -> None:
    """What ``import_references`` and the admin do: read with limits, check, match, write."""
    references_import(parsed=upload_read(name=name, data=data))


def one_row_import_median(runs: int = 5) -> float:
    timings = []
    for run in range(runs):
        data = ris_file(1, seed=900 + run)
        timings.append(seconds(lambda data=data: cramps_import(data, "one.ris")))  # a new reference each time
    return statistics.median(timings)


def large_library(size: int) -> None:
    rng = random.Random(7)
    references = []
    for n in range(size):
        reference = Reference(key=f"library{n}", title=f"Library work {n} on {rng.choice(WORDS)}",
                              authors=[{"family": f"Writer{n % 500}", "given": "A"}], issued_year=1950 + n % 70,
                              doi=f"10.9999/library.{n}" if n % 2 else "")  # fmt: skip
        reference.set_derived_fields()
        references.append(reference)
    Reference.objects.bulk_create(references, batch_size=500)


def main() -> None:
    call_command("migrate", verbosity=0)
    data = ris_file(RECORDS, seed=1)

    assert len(data) <= 5 * 1024 * 1024, "the file should be one an editor may upload"
    bare = seconds(lambda: baseline(data), before=empty_library, runs=RUNS)
    imported = seconds(lambda: cramps_import(data), before=empty_library, runs=RUNS)
    assert Reference.objects.count() == RECORDS, Reference.objects.count()
    reimported = seconds(lambda: cramps_import(data), runs=RUNS)
    assert Reference.objects.count() == RECORDS
    empty_library()

    try:
        call_command("load_demo", "--no-user", verbosity=0)
    except CommandError as error:
        print(f"(no demo fixtures: {error}; the small library is empty)")
    small = Reference.objects.count()
    one_small = one_row_import_median()
    large_library(LARGE_LIBRARY)
    one_large = one_row_import_median()

    rows = [
        ("import", f"{RECORDS:,} RIS references", imported, bare, "bare parse + bulk_create"),
        ("re-import", "the same file again", reimported, bare, "bare parse + bulk_create"),
        ("one row, large library", f"1 reference into {Reference.objects.count():,}", one_large, one_small,
         f"1 reference into {small:,} (demo)"),
    ]  # fmt: skip
    print(f"\nReference import ({RECORDS:,} records, {len(data) / 1e6:.1f} MB of RIS)")
    print(f"{'Measure':<24} {'Value':>10}   {'Baseline':>10}   {'Ratio':>6}   {'Target':>6}  Result")
    failures = 0
    for name, what, value, base, base_what in rows:
        ratio = value / base
        passed = ratio <= TARGETS[name]
        failures += not passed
        print(f"{name:<24} {value * 1000:>8.0f}ms   {base * 1000:>8.0f}ms   {ratio:>5.2f}x   "
              f"{TARGETS[name]:>5.1f}x  {'PASS' if passed else 'FAIL'}  ({what}; baseline: {base_what})")  # fmt: skip
    print("Ratio: value against baseline, lower is faster.")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    finally:
        WORKDIR.cleanup()
