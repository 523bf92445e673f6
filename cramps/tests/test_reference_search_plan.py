"""The reference search at many references: one trigram index answers it on PostgreSQL
(migration 0012 indexes the very expression ``references.models.SearchText`` writes)."""

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from references.models import Reference

pytestmark = pytest.mark.django_db

ROWS = 1500
MANY = 20_000
WORDS = "magnesium cramps muscle nocturnal leg vitamin calcium potassium zinc trial cohort review".split()


def test_search_matches_a_word_in_any_column_and_every_word_somewhere():
    Reference.objects.create(key="rude1998", title="Magnesium deficiency", container_title="J Bone Miner Res",
                             authors=[{"family": "Rude", "given": "Robert"}])  # fmt: skip
    Reference.objects.create(
        key="other", title="Zinc and cramps", authors=[{"family": "Miner", "given": "Anne"}]
    )

    def found(query: str) -> list[str]:
        return list(Reference.objects.search(query).values_list("key", flat=True))

    assert found("RUDE1998") == ["rude1998"]
    assert found("deficiency") == ["rude1998"]
    assert found("bone") == ["rude1998"]
    assert found("robert") == ["rude1998"]
    assert found("miner") == ["other", "rude1998"]
    assert found("miner zinc") == ["other"]
    assert found("magnesium anne") == []
    # A word is looked for within one column, never across the join of two.
    assert found("1998magnesium") == []
    assert found("deficiencyJ") == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_search_at_many_references_reads_the_trigram_index_not_the_table():
    rng = random.Random(0)
    Reference.objects.bulk_create(
        Reference(
            key=f"plan-r{n}",
            title=" ".join(rng.choices(WORDS, k=8)) + f" ({n})",
            container_title=f"Journal of {rng.choice(WORDS).title()}",
            authors_text=f"{rng.choice(WORDS).title()}{n % 97} A",
        )
        for n in range(ROWS)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE references_reference")

    plan = Reference.objects.search("Potassium17").order_by("key").values_list("pk", flat=True)[:50].explain()

    assert "references_reference_search_trgm" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_a_search_that_fits_on_one_page_is_read_whole(client):
    """Sliced to as few rows as it found (LIMIT 17 of 50,000), the page's query looked to
    PostgreSQL like a cheap walk of the key index, past every reference that did not match: 60 ms
    at scale. Read whole, the matches come from the search index (next test) and are sorted."""
    for n in range(60):
        Reference.objects.create(
            key=f"plan-r{n:02}",
            title=f"Plan study {n:02}",
            authors=[{"family": f"Potassium{n}", "given": "A"}],
        )

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/references/?q=Potassium1")

    shown = re.findall(r"Plan study (\d\d)", response.content.decode())
    assert response.status_code == 200
    assert list(dict.fromkeys(shown)) == ["01", *(str(n) for n in range(10, 20))]
    searches = [query["sql"] for query in queries if "LIKE" in query["sql"] and "COUNT" not in query["sql"]]
    assert len(searches) == 1 and "LIMIT" not in searches[0], searches


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index is PostgreSQL's")
def test_a_search_that_fits_on_one_page_reads_the_trigram_index(client):
    rng = random.Random(0)
    Reference.objects.bulk_create(
        Reference(
            key=f"plan-r{n}",
            title=" ".join(rng.choices(WORDS, k=8)),
            authors_text=f"A. B. {rng.choice(WORDS).title()}{n}",
        )
        for n in range(MANY)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE references_reference")

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/references/?q=Potassium171")

    assert response.status_code == 200 and "Potassium171" in response.content.decode()
    searches = [query["sql"] for query in queries if "LIKE" in query["sql"] and "COUNT" not in query["sql"]]
    assert searches, [query["sql"] for query in queries]
    with connection.cursor() as cursor:
        for sql in searches:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "references_reference_search_trgm" in plan and "key_key" not in plan, plan
