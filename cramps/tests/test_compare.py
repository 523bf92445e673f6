"""Nutrients side by side: the comparison page, its refusals, and its PDF handout."""

import io
import re
from io import StringIO

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from cramps.models import Status

from .factories import make_nutrient, make_reference, make_user

pytestmark = pytest.mark.django_db

THREE = "/compare/?nutrients=magnesium,vitamin-b12,potassium"


@pytest.fixture
def demo():
    call_command("load_demo", "--no-user", stdout=StringIO())


@pytest.fixture(autouse=True)
def _store(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CRAMPS_HANDOUT_TIMEOUT = 60
    settings.CRAMPS_HANDOUT_MEMORY_MB = 1024
    settings.CRAMPS_HANDOUT_PAPER = "a4"


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_three_nutrients_side_by_side_show_intakes_grades_foods_and_interactions(client, demo):
    response = client.get(THREE)

    assert response.status_code == 200
    page = text_of(response.content.decode())
    assert (
        "Adults 31 years and over, men: 420 mg (RDA); upper limit: 350 mg (supplements and medicines only)"
        in page
    )
    assert "Adults 19 years and over: 2.4 µg (RDA); upper limit: Not established" in page
    assert "Adults 19 years and over, men: 3,400 mg (AI)" in page
    assert "Not supported: trials found no benefit" in page  # magnesium's grade
    assert "Insufficient: theory, case reports or expert opinion only" in page
    assert (
        "What the evidence grades mean" in page
        and "Strong: consistent results from several good trials" in page
    )
    assert "Pumpkin seeds, roasted, 1 ounce (28 g): 156 mg (37% of the daily value)" in page
    assert "Proton pump inhibitors" in page and "Metformin" in page and "H2 blockers" in page
    assert "Potassium-sparing diuretics (spironolactone, amiloride)" in page
    assert "pernicious anaemia" in page


def test_comparison_citations_are_numbered_once_in_reading_order_with_one_reference_list(client, demo):
    page = client.get(THREE).content.decode()

    listed = re.findall(r'<li id="ref-(\d+)"', page)
    assert listed == [str(n) for n in range(1, len(listed) + 1)]
    shown = [int(n) for n in re.findall(r'href="#ref-(\d+)"', page)]
    assert set(shown) == set(range(1, len(listed) + 1))
    # First appearance, row by row: each nutrient's role (its ODS fact sheet), then the intake reports.
    first = list(dict.fromkeys(shown))
    assert first[:4] == [1, 2, 3, 4]
    entries = re.findall(r'<li id="ref-\d+".*?<span class="csl-entry">(.*?)</span>', page, re.S)
    assert "Magnesium: Fact Sheet for Health Professionals" in entries[0]
    assert "Vitamin B12: Fact Sheet" in entries[1] and "Potassium: Fact Sheet" in entries[2]
    assert "citation-unknown" not in page


def test_the_form_lists_published_nutrients_and_ticks_the_chosen(client):
    make_nutrient(title="Magnesium", slug="magnesium")
    make_nutrient(title="Zinc", slug="zinc")
    make_nutrient(title="Secret", slug="secret", status=Status.DRAFT)

    page = client.get("/compare/?nutrients=magnesium&nutrients=zinc").content.decode()

    assert '<input type="checkbox" name="nutrients" value="magnesium" checked> Magnesium' in page
    assert "Secret" not in page
    assert 'href="/compare/handout.pdf?nutrients=magnesium%2Czinc"' in page


def test_a_nutrient_page_links_to_the_form_with_itself_ticked(client):
    make_nutrient(title="Magnesium", slug="magnesium")
    make_nutrient(title="Zinc", slug="zinc")
    link = '<a href="/compare/?with=magnesium">Compare Magnesium with other nutrients side by side</a>'
    assert link in client.get("/nutrients/magnesium/").content.decode()

    response = client.get("/compare/?with=magnesium")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<input type="checkbox" name="nutrients" value="magnesium" checked> Magnesium' in page
    assert '<input type="checkbox" name="nutrients" value="zinc"> Zinc' in page
    assert "comparison-table" not in page


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("nutrients=magnesium", 400, "Choose at least 2 nutrients to compare."),
        ("nutrients=", 400, "Choose at least 2 nutrients to compare."),
        ("nutrients=a,b,c,d,magnesium", 400, "Choose at most 4 nutrients to compare; 5 were asked for."),
        ("nutrients=magnesium,iron", 404, "There is no published nutrient “iron”."),
        ("nutrients=magnesium,secret", 404, "There is no published nutrient “secret”."),
    ],
)
def test_bad_choices_are_refused_with_a_clear_message_and_the_form(client, query, status, message):
    make_nutrient(title="Magnesium", slug="magnesium")
    make_nutrient(title="Secret", slug="secret", status=Status.DRAFT)

    response = client.get(f"/compare/?{query}")

    assert response.status_code == status
    page = response.content.decode()
    assert message in page and 'name="nutrients"' in page and "comparison-table" not in page


def test_staff_preview_a_draft_in_a_comparison_uncached(client):
    make_nutrient(title="Magnesium", slug="magnesium")
    make_nutrient(title="Secret", slug="secret", status=Status.DRAFT)
    client.force_login(make_user("viewer", permissions=["view_nutrient"]))

    response = client.get("/compare/?nutrients=magnesium,secret")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_a_nutrient_without_intake_rows_reads_not_established(client):
    make_reference(key="iom1998")
    make_nutrient(title="B12", slug="b12", intakes=[{"amount": "2.4", "unit": "µg", "source": "[@iom1998]"}])
    make_nutrient(title="Choline", slug="choline")

    page = text_of(client.get("/compare/?nutrients=b12,choline").content.decode())

    assert "2.4 µg (RDA)" in page
    assert "Adult intake and upper limit" in page and "Not established" in page


def test_comparison_queries_do_not_grow_with_the_nutrients(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        client.get("/compare/?nutrients=magnesium,vitamin-b12,potassium,zinc")


def test_comparison_handout_holds_the_table_and_one_reference_list(client, demo):
    response = client.get("/compare/handout.pdf?nutrients=magnesium,vitamin-b12,potassium")

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "cramps-magnesium-vitamin-b12-potassium-comparison.pdf" in response["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.getvalue()))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Magnesium · Vitamin B12 · Potassium" in text
    assert "420 mg (RDA)" in text and "2.4 µg (RDA)" in text and "3,400 mg (AI)" in text
    assert "Not supported: trials found no benefit" in text
    assert "Metformin" in text and "Potassium-sparing diuretics" in text
    assert "What the evidence grades mean" in text
    assert "References" in text and "Magnesium: Fact Sheet for Health Professionals" in text
    assert "Not medical advice" in text


def test_comparison_handout_refuses_what_the_page_refuses(client):
    make_nutrient(title="Magnesium", slug="magnesium")

    response = client.get("/compare/handout.pdf?nutrients=magnesium")

    assert response.status_code == 400
    assert "Choose at least 2 nutrients to compare." in response.content.decode()


def test_the_builder_offers_a_comparison_pdf(client):
    make_nutrient(title="Magnesium", slug="magnesium")

    page = client.get("/handout/").content.decode()

    assert 'action="/compare/handout.pdf"' in page
    assert '<input type="checkbox" name="nutrients" value="magnesium"> Magnesium' in page
