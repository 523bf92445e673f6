"""References as PDF handouts, alone and as the "Studies" of a combined handout, read back from
the PDF's extracted text."""

import re

import pytest
from django.utils import timezone

from cramps.handouts import rendering
from cramps.models import Status
from references.models import StudyType

from .factories import make_article, make_reference
from .test_handouts import pdf_pages

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CRAMPS_HANDOUT_TIMEOUT = 60
    settings.CRAMPS_HANDOUT_MEMORY_MB = 1024
    settings.CRAMPS_HANDOUT_PAPER = "a4"


@pytest.fixture
def renders():
    seen: list[str] = []

    def receiver(sender, key, **kwargs):
        seen.append(key)

    rendering.handout_rendered.connect(receiver)
    yield seen
    rendering.handout_rendered.disconnect(receiver)


@pytest.fixture
def trial():
    make_reference(key="review2020", title="Magnesium for skeletal muscle cramps", pmid="32956536")
    return make_reference(
        key="trial2002", title="Magnesium citrate for chronic leg cramps",
        authors=[{"family": "Roffe", "given": "C"}], pmid="12011773", pmcid="PMC1234567",
        doi="10.1000/trial.2002", study_type=StudyType.RANDOMISED_TRIAL,
        population="Adults with chronic leg cramps", participants=46,
        comparison="Magnesium citrate against placebo", main_result="Cramps were not significantly less frequent.",
        limits="A small trial.", summary="A crossover trial, later pooled with others [@review2020].",
    )  # fmt: skip


def flat(text: str) -> str:
    """Extracted text with line breaks removed: long addresses wrap in the PDF."""
    return re.sub(r"\s*\n\s*", "", text)


def references_section(text: str) -> str:
    return text[text.rindex("\nReferences\n") :]


def test_reference_handout_prints_entry_links_summary_citing_pages_and_disclaimer(client, trial):
    make_article(title="Leg cramps at night", slug="night-cramps", body="Magnesium [@trial2002].")
    make_article(title="Unfinished draft", body="Draft [@trial2002].", status=Status.DRAFT)

    response = client.get("/references/trial2002/handout.pdf")

    pages = pdf_pages(response)
    text = "\n".join(pages)
    assert "Magnesium citrate for chronic leg cramps" in pages[0]
    assert "For discussion with your healthcare provider. Not medical advice." in pages[0]
    assert "Notes / my current medications" in text
    assert "Roffe C." in text
    for address in (
        "https://pubmed.ncbi.nlm.nih.gov/12011773/",
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567/",
        "https://doi.org/10.1000/trial.2002",
    ):
        assert address in flat(text), address
    for shown in (
        "What this study found",
        "Randomised trial",
        "Adults with chronic leg cramps · 46 participants",
        "Magnesium citrate against placebo",
        "Cramps were not significantly less frequent.",
        "A small trial.",
        "A crossover trial, later pooled with others [2].",
    ):
        assert shown in text, shown
    assert "Our pages that cite it" in text
    assert "Leg cramps at night" in text
    assert "http://testserver/articles/night-cramps/" in flat(text)
    assert "Unfinished draft" not in text
    # The study is [1], the review its summary cites [2]: one list, each work once.
    listing = references_section(text)
    assert listing.count("Magnesium citrate for chronic leg cramps") == 1
    assert "Magnesium for skeletal muscle cramps" in listing
    assert response["Content-Disposition"] == 'inline; filename="cramps-trial2002-handout.pdf"'
    assert f"Generated {timezone.now():%-d %B %Y}" in pages[0]


def test_reference_handout_is_stored_and_remade_when_the_summary_changes(client, trial, renders):
    client.get("/references/trial2002/handout.pdf")
    client.get("/references/trial2002/handout.pdf")
    assert len(renders) == 1

    trial.main_result = "Revised wording."
    trial.save()
    text = "\n".join(pdf_pages(client.get("/references/trial2002/handout.pdf")))

    assert len(renders) == 2
    assert "Revised wording." in text


def test_reference_handout_of_an_unknown_key_is_404_and_bad_paper_400(client, trial):
    assert client.get("/references/nosuch/handout.pdf").status_code == 404
    response = client.get("/references/trial2002/handout.pdf?paper=a3")
    assert response.status_code == 400
    assert "Unknown paper size" in response.content.decode()


def test_combined_handout_with_an_article_and_a_reference_it_cites_lists_the_work_once(client, trial):
    make_reference(key="other", title="Stretching before sleep")
    make_article(
        title="Leg cramps at night", slug="night-cramps", body="Stretch [@other]. Magnesium [@trial2002]."
    )

    response = client.get("/handout.pdf?items=reference:trial2002,article:night-cramps")

    pages = pdf_pages(response)
    text = "\n".join(pages)
    assert "Studies . . ." in pages[1]  # in the contents, after the one-page summary
    studies = text[text.rindex("\nStudies\n") : text.rindex("\nReferences\n")]
    assert "Magnesium citrate for chronic leg cramps" in studies
    assert "What this study found" in studies
    # The article comes first, whatever the order asked: other=1, trial=2, then the review=3.
    assert "[2] Roffe C." in studies
    assert "later pooled with others [3]" in studies
    listing = references_section(text)
    assert listing.count("Magnesium citrate for chronic leg cramps") == 1
    assert [
        title
        for title in ("Stretching before sleep", "Magnesium citrate for", "Magnesium for skeletal")
        if title in listing
    ] == ["Stretching before sleep", "Magnesium citrate for", "Magnesium for skeletal"]
    assert (
        listing.index("Stretching before sleep")
        < listing.index("Magnesium citrate")
        < listing.index("Magnesium for skeletal")
    )


def test_builder_offers_studies_and_refuses_unknown_references(client, trial):
    page = client.get("/handout/?items=reference:review2020").content.decode()

    assert 'value="reference:trial2002"' in page
    assert 'value="reference:review2020" checked' in page
    missing = client.get("/handout.pdf?items=reference:nosuch")
    assert missing.status_code == 404
    assert "reference:nosuch" in missing.content.decode()
    malformed = client.get("/handout.pdf?items=reference:")
    assert malformed.status_code == 400
    assert "reference:&lt;key&gt;" in malformed.content.decode()


def test_reference_page_links_to_its_handout_and_the_builder(client, trial):
    page = client.get("/references/trial2002/").content.decode()

    assert 'href="/references/trial2002/handout.pdf"' in page
    assert 'href="/handout/?items=reference:trial2002"' in page


def test_handout_of_a_reference_without_a_summary_says_so(client):
    make_reference(key="bare", title="A study nobody summarised", doi="10.1000/bare")

    text = "\n".join(pdf_pages(client.get("/references/bare/handout.pdf")))

    assert "A study nobody summarised" in text
    assert "We have not summarised this study yet." in text
    assert "No published page cites this study yet." in text
    assert "https://doi.org/10.1000/bare" in flat(text)


def test_a_stored_handout_of_many_studies_costs_as_many_queries_as_one_of_few(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    keys = [make_reference(key=f"study{n}", summary=f"See [@study{n + 1}].").key for n in range(6)]
    make_reference(key="study6")
    make_article(body="Cites " + " ".join(f"[@{key}]" for key in keys) + ".")
    counts = []
    for chosen in (keys[:2], keys):
        url = "/handout.pdf?items=" + ",".join(f"reference:{key}" for key in chosen)
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
