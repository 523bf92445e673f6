"""``references.importing`` at scale: queries that do not grow with the library, bulk writes, derived fields."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from references.formats import ParsedRecords, read_file
from references.importing import references_import, references_plan
from references.models import Reference
from references.record import build_record

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "0001_references.json"


def library(size: int) -> None:
    """``size`` stored references, three of which the file below matches (by DOI, PMID and title)."""
    Reference.objects.bulk_create(
        Reference(
            key=f"stored{n}",
            title=f"Stored work number {n}",
            authors=[{"family": f"Author{n}"}],
            issued_year=2000,
            match_title=f"storedworknumber{n}",
            doi=f"10.1000/stored.{n}",
            pmid=str(100000 + n),
        )  # fmt: skip
        for n in range(size)
    )


def the_file() -> ParsedRecords:
    return ParsedRecords([
        build_record(type="article-journal", title="A new work", authors=[{"family": "Rude"}], issued_year=1998),
        build_record(type="article-journal", title="Another new work", key="author0"),
        build_record(type="article-journal", title="By DOI", doi="10.1000/STORED.1", volume="7"),
        build_record(type="article-journal", title="By PMID", pmid="100002", volume="8"),
        build_record(type="article-journal", title="Stored work number 3", authors=[{"family": "Author3"}],
                     issued_year=2000, volume="9"),
    ])  # fmt: skip


def queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


@pytest.mark.parametrize("action", ["plan", "import"])
def test_the_number_of_queries_does_not_grow_with_the_library(action):
    """Building the import's index over 5,000 references takes the same queries as over 5."""
    run = {
        "plan": lambda: references_plan(parsed=the_file()),
        "import": lambda: references_import(parsed=the_file()),
    }[action]
    library(5)
    small = queries(run)
    Reference.objects.all().delete()
    library(5000)

    large = queries(run)

    assert large == small
    if action == "import":
        assert Reference.objects.count() == 5002
        assert Reference.objects.get(doi="10.1000/stored.1").volume == "7"


def test_new_references_go_in_with_bulk_inserts():
    parsed = ParsedRecords(
        build_record(
            type="article-journal", title=f"Work {n}", authors=[{"family": "Rude"}], issued_year=1998
        )
        for n in range(1200)
    )

    count = queries(lambda: references_import(parsed=parsed))

    assert Reference.objects.count() == 1200
    assert (
        Reference.objects.filter(key="rude1998").exists()
        and Reference.objects.filter(key="rude1998aat").exists()
    )
    # Candidates and keys, then inserts of as many rows as the database takes at once — not a query each.
    assert count < len(parsed) / 20


def test_a_plan_counts_and_explains(settings):
    library(5)

    plan = references_plan(parsed=the_file())

    assert [(planned.action, planned.key) for planned in plan.records] == [
        ("new", "rude1998"),
        ("new", "author0"),
        ("update", "stored1"),
        ("update", "stored2"),
        ("update", "stored3"),
    ]
    assert plan.records[2].changes == {"title": ("Stored work number 1", "By DOI"), "volume": ("", "7")}
    assert plan.summary() == "2 new, 3 updated, 0 unchanged, 0 duplicates and 0 unreadable left out"


def test_derived_fields_are_set_by_bulk_writes_and_by_loaddata():
    call_command("loaddata", str(FIXTURE), verbosity=0)
    references_import(
        parsed=read_file("refs.ris", b"TY  - JOUR\nAU  - Rude, Robert K\nTI  - Magnesium: A Review\nER  - \n")
    )

    imported = Reference.objects.get(title="Magnesium: A Review")
    assert (imported.match_title, imported.authors_text) == ("magnesiumareview", "Robert K Rude")
    demo = Reference.objects.get(
        key="rude1998"
    )  # loaddata saves raw, past save(): the pre_save signal still runs
    assert demo.match_title == "magnesiumdeficiencyacauseofheterogeneousdiseaseinhumans"
    assert "Rude" in demo.authors_text


def test_a_demo_reference_is_found_by_its_title_after_loaddata():
    call_command("loaddata", str(FIXTURE), verbosity=0)
    demo = Reference.objects.filter(doi="", pmid="").first()

    plan = references_plan(parsed=ParsedRecords([build_record(**{**demo.record, "key": ""})]))

    assert (plan.records[0].action, plan.records[0].key) == ("unchanged", demo.key)
