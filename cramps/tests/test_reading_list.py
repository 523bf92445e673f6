"""The reading list from the reference list page: PDF, RIS and BibTeX, the files read back by
the project's own readers."""

import pytest

from references.formats import FORMATS

from .factories import make_reference
from .test_handouts import pdf_pages
from .test_reference_handouts import _store  # noqa: F401 (each test's own handout store)

pytestmark = pytest.mark.django_db


@pytest.fixture
def library():
    return [
        make_reference(key="roffe2002", title="Magnesium citrate for leg cramps", pmid="12011773",
                       authors=[{"family": "Roffe", "given": "C"}], issued_year=2002),
        make_reference(key="garrison2020", title="Magnesium for skeletal muscle cramps",
                       doi="10.1002/14651858.cd009402.pub3", issued_year=2020),
        make_reference(key="untouched", title="A study nobody ticked"),
    ]  # fmt: skip


def test_reference_list_offers_a_reading_list_form(client, library):
    page = client.get("/references/").content.decode()

    assert (
        '<form id="reading-list" class="reading-list" method="get" action="/references/reading-list">' in page
    )
    for key in ("roffe2002", "garrison2020", "untouched"):
        assert f'name="keys" value="{key}" form="reading-list"' in page
    for chosen, label in (("pdf", "PDF"), ("ris", "RIS"), ("bib", "BibTeX")):
        assert f'name="format" value="{chosen}">{label}</button>' in page


@pytest.mark.parametrize(("chosen", "reader"), [("ris", "ris"), ("bib", "bibtex")])
def test_reading_list_files_read_back_with_our_readers(client, library, chosen, reader):
    response = client.get(
        "/references/reading-list", {"keys": ["garrison2020", "roffe2002"], "format": chosen}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="cramps-reading-list.{chosen}"'
    assert response["Content-Type"].startswith(FORMATS[reader].content_type)
    records = FORMATS[reader].parse(response.content)
    assert [record["title"] for record in records] == [
        "Magnesium for skeletal muscle cramps",
        "Magnesium citrate for leg cramps",
    ]
    assert records[0]["doi"] == "10.1002/14651858.cd009402.pub3"
    assert records[1]["pmid"] == "12011773"
    assert records[1]["authors"] == [{"family": "Roffe", "given": "C"}]
    assert records[1]["issued_year"] == 2002


def test_reading_list_pdf_is_the_ticked_references_in_one_handout(client, library):
    response = client.get(
        "/references/reading-list", {"keys": ["roffe2002", "garrison2020"], "format": "pdf"}
    )

    assert response.status_code == 302
    text = "\n".join(pdf_pages(client.get(response["Location"])))
    listing = text[text.rindex("\nReferences\n") :]
    assert "1. Roffe C. Magnesium citrate for leg cramps." in listing
    assert "2. " in listing and "Magnesium for skeletal muscle cramps" in listing
    assert "https://pubmed.ncbi.nlm.nih.gov/12011773/" in text
    assert "A study nobody ticked" not in text


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"format": "ris"}, 400, "Tick at least one reference"),
        ({"keys": "roffe2002", "format": "doc"}, 400, "Unknown format “doc”"),
        ({"keys": "roffe2002,nosuch", "format": "bib"}, 404, "There is no reference “nosuch”"),
        ({"keys": ",".join(f"k{n}" for n in range(21)), "format": "pdf"}, 400, "at most 20 references; 21"),
    ],
)
def test_reading_list_refuses_bad_requests_clearly(client, library, query, status, message):
    response = client.get("/references/reading-list", query)

    assert response.status_code == status
    assert message in response.content.decode()
