"""The reference search at many references: one trigram index answers it on PostgreSQL
(migration 0012 indexes the very expression ``references.models.SearchText`` writes)."""

import random

import pytest
from django.db import connection

from references.models import Reference

pytestmark = pytest.mark.django_db

ROWS = 1500
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
