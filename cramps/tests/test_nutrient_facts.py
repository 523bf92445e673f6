"""A nutrient's fact rows (intake values, foods, forms, interactions): admin, citations, history, page."""

import pytest
from reversion.models import Version

from cramps.models import Citation, IntakeValue, Nutrient, Status

from .factories import make_nutrient, make_reference
from .test_admin import CITATIONS_PREFIX, inline_management

pytestmark = pytest.mark.django_db

MAGNESIUM_ADULTS = {"life_stage": "adults", "ages": "31 years and over", "sex": "men", "kind": "rda", "amount": "420", "upper_limit": "350",
                    "limit_scope": "supplements", "unit": "mg", "source": "[@iom1997]"}  # fmt: skip


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def nutrient_form(**rows) -> dict:
    data = {"title": "Magnesium", "slug": "", "summary": "A mineral [@first2000].", "kind": "mineral",
            "aliases": "", "evidence_grade": "limited", "evidence_rationale": "", "role": "", "at_risk": "",
            "body": "Text.", "status": Status.DRAFT, "tags": "", **inline_management(CITATIONS_PREFIX)}  # fmt: skip
    for prefix in ("intake_values", "food_sources", "forms", "interactions"):
        given = rows.get(prefix, [])
        data.update(inline_management(prefix, len(given)))
        for n, row in enumerate(given):
            data.update({f"{prefix}-{n}-{name}": value for name, value in {"position": n, **row}.items()})
    return data


def test_admin_saves_fact_rows_and_their_citations_join_the_page_numbering(admin_client):
    make_reference(key="first2000")
    make_reference(key="iom1997")
    make_reference(key="ods2022")
    data = nutrient_form(
        intake_values=[MAGNESIUM_ADULTS],
        food_sources=[{"food": "Almonds", "serving": "1 ounce", "amount": "80 mg", "daily_value": "19",
                       "notes": "", "source": "[@ods2022]"}],
        forms=[{"form": "Magnesium oxide", "dose": "", "elemental": "", "notes": "", "source": "[@ods2022]"}],
        interactions=[{"medication": "Bisphosphonates", "direction": "affects-medicine",
                       "effect": "Magnesium lowers their absorption.", "advice": "Take them 2 hours apart.",
                       "source": "[@ods2022]"}],
    )  # fmt: skip

    response = admin_client.post("/admin/cramps/nutrient/add/", data)

    assert response.status_code == 302
    nutrient = Nutrient.objects.get()
    assert nutrient.intake_values.get().upper_limit_text == "350 mg (supplements and medicines only)"
    assert nutrient.food_sources.get().daily_value == "19"
    assert nutrient.interactions.get().get_direction_display() == "Nutrient affects the medicine"
    numbering = [(c.reference.key, c.number) for c in Citation.objects.filter(object_id=nutrient.pk)]
    assert numbering == [("first2000", 1), ("iom1997", 2), ("ods2022", 3)]


def test_admin_refuses_a_fact_row_without_a_source_and_saves_nothing(admin_client):
    make_reference(key="first2000")
    data = nutrient_form(intake_values=[{**MAGNESIUM_ADULTS, "source": ""}])

    response = admin_client.post("/admin/cramps/nutrient/add/", data)

    assert response.status_code == 200
    assert "Cite the source of this row" in response.content.decode()
    assert not Nutrient.objects.exists()


@pytest.mark.parametrize("amount", ["1,000", "400 mg", "", "two"])
def test_admin_refuses_an_amount_that_is_not_a_plain_number(admin_client, amount):
    make_reference(key="first2000")
    make_reference(key="iom1997")
    data = nutrient_form(intake_values=[{**MAGNESIUM_ADULTS, "amount": amount}])

    response = admin_client.post("/admin/cramps/nutrient/add/", data)

    assert response.status_code == 200
    assert not IntakeValue.objects.exists()


def test_restoring_a_version_brings_the_fact_rows_back(admin_client, committed):
    make_reference(key="iom1997")
    with committed():
        nutrient = make_nutrient(slug="magnesium", intakes=[MAGNESIUM_ADULTS],
                                 forms=[{"form": "Magnesium oxide", "source": "[@iom1997]"}])  # fmt: skip
    with committed():
        nutrient.intake_values.all().delete()
        nutrient.forms.all().delete()
    first = Version.objects.get_for_object(nutrient).order_by("pk").first()

    with committed():
        response = admin_client.post(f"/admin/cramps/nutrient/{nutrient.pk}/history/{first.pk}/")

    assert response.status_code == 302
    row = nutrient.intake_values.get()
    assert (row.amount, row.upper_limit, row.limit_scope) == ("420", "350", "supplements")
    assert nutrient.forms.get().form == "Magnesium oxide"
    assert Citation.objects.filter(object_id=nutrient.pk, reference__key="iom1997").exists()


def test_page_shows_the_intake_table_with_numbered_sources(client):
    make_reference(key="iom1997")
    make_nutrient(slug="magnesium", summary="A mineral.", intakes=[MAGNESIUM_ADULTS, {
        "life_stage": "pregnancy", "ages": "19–30 years", "sex": "women", "amount": "350", "upper_limit": "350",
        "limit_scope": "supplements", "unit": "mg", "source": "[@iom1997]"}])  # fmt: skip

    page = client.get("/nutrients/magnesium/").content.decode()

    assert "Adults 31 years and over, men" in page and "420 mg (RDA)" in page
    assert "Pregnancy 19–30 years, women" in page
    assert "350 mg (supplements and medicines only)" in page
    assert 'href="#ref-1"' in page and 'id="ref-1"' in page
    assert "not established" not in page


def test_a_nutrient_without_intake_rows_says_not_established(client):
    make_nutrient(slug="vitamin-x", title="Vitamin X")

    page = client.get("/nutrients/vitamin-x/").content.decode()

    assert "Recommended intake and upper limit: not established." in page
    assert "intake-table" not in page


def test_an_upper_limit_left_blank_reads_not_established(client):
    make_reference(key="iom1998")
    make_nutrient(slug="vitamin-b12", intakes=[{"amount": "2.4", "unit": "µg", "source": "[@iom1998]"}])

    page = client.get("/nutrients/vitamin-b12/").content.decode()

    assert "2.4 µg (RDA)" in page and "Not established" in page


def test_the_handout_shows_the_same_fact_tables(settings):
    from cramps.handouts.document import handout_html

    make_reference(key="iom1997")
    magnesium = make_nutrient(slug="magnesium", intakes=[MAGNESIUM_ADULTS],
                              forms=[{"form": "Magnesium oxide", "source": "[@iom1997]"}])  # fmt: skip
    other = make_nutrient(slug="vitamin-x", title="Vitamin X")

    html = handout_html(parts=[magnesium, other], paper="a4", site_url="https://example.org/")

    assert "Adults 31 years and over, men" in html and "420 mg (RDA)" in html
    assert "350 mg (supplements and medicines only)" in html and "Magnesium oxide" in html
    assert html.count("Recommended intake and upper limit: not established.") == 1
    assert 'id="part-1-intake-heading"' in html and 'id="part-2-intake-heading"' in html


def test_fact_rows_survive_a_content_export_and_import():
    from cramps.transfer import content_export, content_import

    make_reference(key="iom1997")
    make_nutrient(slug="magnesium", intakes=[MAGNESIUM_ADULTS],
                  forms=[{"form": "Zinc sulfate", "dose": "220 mg", "elemental": "About 50 mg", "source": "[@iom1997]"}])  # fmt: skip
    exported = content_export()
    Nutrient.objects.all().delete()

    content_import(data=exported)

    assert content_export() == exported
    row = Nutrient.objects.get().intake_values.get()
    assert (row.sex, row.amount, row.upper_limit, row.limit_scope) == ("men", "420", "350", "supplements")


def test_a_raw_load_of_a_fact_row_gets_its_html_and_citation_row(
    tmp_path, django_capture_on_commit_callbacks
):
    import json

    from django.core.management import call_command

    make_reference(key="iom1997")
    nutrient = make_nutrient(slug="magnesium", summary="A mineral.")
    fixture = tmp_path / "rows.json"
    fields = {**MAGNESIUM_ADULTS, "nutrient": nutrient.pk, "life_stage": "adults", "note": "", "position": 0}
    fixture.write_text(json.dumps([{"model": "cramps.intakevalue", "pk": 900, "fields": fields}]))

    with django_capture_on_commit_callbacks(execute=True):
        call_command("loaddata", str(fixture), verbosity=0)

    assert 'data-cite="iom1997"' in IntakeValue.objects.get(pk=900).source_html
    assert [c.reference.key for c in Citation.objects.filter(object_id=nutrient.pk)] == ["iom1997"]
