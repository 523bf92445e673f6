import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from references.models import SEARCH_MAX_TERMS, Reference, search_terms

pytestmark = pytest.mark.django_db


def make(key: str, **fields) -> Reference:
    return Reference.objects.create(key=key, title=fields.pop("title", f"Title {key}"), **fields)


@pytest.mark.parametrize(
    ("authors", "year", "label"),
    [
        ([{"family": "Rude", "given": "RK"}], 1998, "Rude 1998"),
        ([{"family": "Rude"}, {"family": "Shils"}], 1998, "Rude and Shils 1998"),
        ([{"family": "Rude"}, {"family": "Shils"}, {"family": "Wester"}], 1998, "Rude et al. 1998"),
        ([{"literal": "American Diabetes Association"}], 1999, "American Diabetes Association 1999"),
        ([], None, "Magnesium deficiency: a cause of heterogeneous"),
    ],
)
def test_short_label_is_how_a_citation_is_read_out(authors, year, label):
    reference = Reference(title="Magnesium deficiency: a cause of heterogeneous disease", authors=authors,
                          issued_year=year)  # fmt: skip

    assert reference.short_label == label


def test_search_finds_identifiers_however_they_are_pasted():
    make("rude", pmid="9556074", doi="10.1359/jbmr.1998.13.4.749")
    make("maughan", pmcid="PMC6901412")
    make("other", title="Magnesium 9556074 in a title")

    def found(query: str) -> set[str]:
        return set(Reference.objects.search(query).values_list("key", flat=True))

    assert found("9556074") == {"rude", "other"}
    assert found("PMID: 9556074") == {"rude"}
    assert found("https://doi.org/10.1359/JBMR.1998.13.4.749") == {"rude"}
    assert found("doi: 10.1359/jbmr.1998.13.4.749") == {"rude"}
    assert found("PMC6901412") == {"maughan"}


def test_search_reads_a_bounded_number_of_words():
    make("rude", title="Magnesium deficiency")
    thousand_words = " ".join(["magnesium"] * 1000)

    with CaptureQueriesContext(connection) as queries:
        assert list(Reference.objects.search(thousand_words).values_list("key", flat=True)) == ["rude"]

    (query,) = queries.captured_queries
    assert query["sql"].upper().count("LIKE") <= SEARCH_MAX_TERMS * 4
    assert search_terms(thousand_words) == ["magnesium"] * SEARCH_MAX_TERMS
    assert [len(term) for term in search_terms("x" * 5000)] == [80]
