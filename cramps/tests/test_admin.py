"""Editors add and change every kind of content through the admin."""

import pytest

from cramps.models import Article, Citation, Nutrient, Status
from references.models import Reference

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db


def inline_management(prefix: str, total: int = 0) -> dict:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip


CITATIONS_PREFIX = "cramps-citation-content_type-object_id"


def article_form(**overrides) -> dict:
    data = {
        "title": "Cramps after chemotherapy",
        "slug": "",
        "summary": "What helps [@rude1998].",
        "body": "## Why\n\nMagnesium falls [@rude1998; @wester1987].",
        "status": Status.PUBLISHED,
        "tags": "neuropathy, chemotherapy",
        "medical_reviewer": "",
        **inline_management("key_points", 1),
        "key_points-0-position": "0",
        "key_points-0-text": "Key point citing [@wester1987].",
        **inline_management("faqs", 1),
        "faqs-0-position": "0",
        "faqs-0-question": "Is it safe?",
        "faqs-0-answer": "Ask your doctor [@rude1998].",
        **inline_management(CITATIONS_PREFIX),
    }
    data.update(overrides)
    return data


@pytest.fixture
def references():
    return [make_reference(key="rude1998"), make_reference(key="wester1987")]


def test_admin_adds_an_article_with_inlines_and_citations(admin_client, references):
    response = admin_client.post("/admin/cramps/article/add/", article_form())

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get()
    assert article.slug == "cramps-after-chemotherapy"
    assert article.author.username == "admin"
    assert [point.text for point in article.key_points.all()] == ["Key point citing [@wester1987]."]
    assert sorted(tag.name for tag in article.tags.all()) == ["chemotherapy", "neuropathy"]
    numbers = {c.reference.key: c.number for c in Citation.objects.filter(object_id=article.pk)}
    assert numbers == {"rude1998": 1, "wester1987": 2}
    assert 'id="sec-why"' in article.body_html


def test_admin_refuses_unknown_citation_keys_and_saves_nothing(admin_client, references):
    data = article_form(body="Claim [@nobody2000].", **{"faqs-0-answer": "Also [@ghost1999]."})

    response = admin_client.post("/admin/cramps/article/add/", data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Unknown citation key in this text: @nobody2000" in page
    assert "Unknown citation key in this text: @ghost1999" in page
    assert not Article.objects.exists()


def test_admin_changes_an_article_and_renumbers(admin_client, references):
    article = make_article(title="Old", body="Text [@rude1998].")
    data = article_form(title="New title", slug=article.slug, body="Now [@wester1987] then [@rude1998].")
    data["summary"] = "No citation here."
    data["key_points-0-text"] = "Plain point."
    data["faqs-0-answer"] = "Plain answer."

    response = admin_client.post(f"/admin/cramps/article/{article.pk}/change/", data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "New title"
    assert {c.reference.key: c.number for c in article.citations.all()} == {"wester1987": 1, "rude1998": 2}


def test_admin_adds_and_changes_a_nutrient(admin_client, references):
    data = {
        "title": "Magnesium",
        "slug": "",
        "summary": "A mineral.",
        "kind": "mineral",
        "aliases": "Mg",
        "evidence_grade": "limited",
        "evidence_rationale": "Small trials [@rude1998].",
        "body": "## Sources\n\nNuts.",
        "status": Status.DRAFT,
        "tags": "dialysis",
        **inline_management("food_sources", 1),
        "food_sources-0-position": "0",
        "food_sources-0-food": "Almonds",
        "food_sources-0-amount": "80 mg per 30 g",
        "food_sources-0-notes": "",
        "food_sources-0-source": "[@wester1987]",
        **inline_management("intake_values"),
        **inline_management("forms"),
        **inline_management("interactions", 1),
        "interactions-0-position": "0",
        "interactions-0-medication": "Diuretics",
        "interactions-0-effect": "Increase losses [@wester1987].",
        **inline_management(CITATIONS_PREFIX),
    }
    assert admin_client.post("/admin/cramps/nutrient/add/", data).status_code == 302
    nutrient = Nutrient.objects.get()
    assert nutrient.food_sources.get().food == "Almonds"
    assert {c.reference.key for c in nutrient.citations.all()} == {"rude1998", "wester1987"}

    data.update(title="Magnesium (Mg)", slug=nutrient.slug, status=Status.PUBLISHED)
    data.update(inline_management("food_sources"), **inline_management("interactions"))
    assert admin_client.post(f"/admin/cramps/nutrient/{nutrient.pk}/change/", data).status_code == 302
    nutrient.refresh_from_db()
    assert nutrient.title == "Magnesium (Mg)" and nutrient.status == Status.PUBLISHED


def test_admin_adds_and_changes_a_reference(admin_client):
    data = {
        "key": "rude1998",
        "type": "article-journal",
        "authors": "Rude, Robert K\nWorld Health Organization",
        "editors": "",
        "title": "Magnesium deficiency: a cause of heterogeneous disease in humans",
        "container_title": "Journal of Bone and Mineral Research",
        "container_title_short": "J Bone Miner Res",
        "issued_year": "1998",
        "volume": "13",
        "issue": "4",
        "pages": "749-758",
        "pmid": "9556074",
        "doi": "https://doi.org/10.1359/JBMR.1998.13.4.749",
    }
    assert admin_client.post("/admin/references/reference/add/", data).status_code == 302
    reference = Reference.objects.get()
    assert reference.authors == [
        {"family": "Rude", "given": "Robert K"},
        {"literal": "World Health Organization"},
    ]
    assert reference.doi == "10.1359/jbmr.1998.13.4.749"

    data["title"] = "Magnesium deficiency (corrected)"
    response = admin_client.post(f"/admin/references/reference/{reference.pk}/change/", data)
    assert response.status_code == 302
    reference.refresh_from_db()
    assert reference.title == "Magnesium deficiency (corrected)"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("pmid", "95a56", "is not a PMID"),
        ("doi", "not-a-doi", "is not a DOI"),
        ("pmcid", "XYZ", "is not a PMCID"),
    ],
)
def test_admin_rejects_malformed_identifiers(admin_client, field, value, message):
    data = {"key": "bad", "type": "article-journal", "title": "T", "authors": "", "editors": "", field: value}

    response = admin_client.post("/admin/references/reference/add/", data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Reference.objects.exists()


def test_admin_rejects_a_second_reference_with_the_same_doi(admin_client):
    make_reference(key="first", doi="10.1000/abc")
    data = {"key": "second", "type": "article-journal", "title": "T", "authors": "", "editors": "",
            "doi": "10.1000/ABC"}  # fmt: skip

    response = admin_client.post("/admin/references/reference/add/", data)

    assert response.status_code == 200
    assert "Another reference already has this DOI." in response.content.decode()
    assert Reference.objects.count() == 1


@pytest.mark.parametrize(
    "url", ["/admin/cramps/article/", "/admin/cramps/nutrient/", "/admin/references/reference/"]
)
def test_admin_changelists_search_and_filter(admin_client, url):
    make_article(title="Findable", tags=["pregnancy"])
    make_nutrient(title="Findable nutrient")
    make_reference(title="Findable reference")

    assert admin_client.get(url, {"q": "Findable"}).status_code == 200
    assert admin_client.get(url).status_code == 200


def test_admin_change_page_previews_rendered_body_and_links_to_site(admin_client, references):
    article = make_article(body="## Part\n\nCited [@rude1998].")

    page = admin_client.get(f"/admin/cramps/article/{article.pk}/change/").content.decode()

    assert '<sup class="citation">' in page
    assert 'id="ref-1"' in page
    assert "/admin/r/" in page  # Django's "View on site" redirect


def test_cite_picker_searches_references_by_author_title_or_key(admin_client):
    make_reference(key="rude1998", title="Magnesium deficiency", authors=[{"family": "Rude", "given": "RK"}])
    make_reference(key="other2000", title="Something else")
    form_page = admin_client.get("/admin/cramps/article/add/").content.decode()
    assert 'data-field-name="reference"' in form_page and "js/cite-picker.js" in form_page

    for term in ["Rude", "deficiency", "rude1998"]:
        response = admin_client.get("/admin/autocomplete/", {"app_label": "cramps", "model_name": "citation",
                                                             "field_name": "reference", "term": term})  # fmt: skip
        assert [result["text"] for result in response.json()["results"]] == ["rude1998: Magnesium deficiency"]


def test_related_nutrients_autocomplete_finds_nutrients(admin_client):
    make_nutrient(title="Magnesium", aliases="Mg")

    response = admin_client.get("/admin/autocomplete/", {"app_label": "cramps", "model_name": "article",
                                                         "field_name": "related_nutrients", "term": "Mg"})  # fmt: skip

    assert [result["text"] for result in response.json()["results"]] == ["Magnesium"]


def test_reference_changelist_filters_missing_identifiers_and_uncited(admin_client):
    make_reference(key="withpmid", pmid="123")
    make_reference(key="withurl", url="https://example.org/a")
    make_reference(key="bare")
    make_article(body="[@withpmid] [@bare]")

    def listed(query: str) -> set[str]:
        page = admin_client.get(f"/admin/references/reference/?{query}").content.decode()
        return {key for key in ("withpmid", "withurl", "bare") if f">{key}</a>" in page}

    assert listed("identifier=missing") == {"withurl", "bare"}
    assert listed("identifier=unreachable") == {"bare"}
    assert listed("identifier=present") == {"withpmid"}
    assert listed("cited=no") == {"withurl"}
    assert listed("cited=yes") == {"withpmid", "bare"}


def test_key_points_are_edited_right_under_the_body(admin_client):
    article = make_article(key_points=["Stretching may help."], faqs=[("Is it safe?", "Ask your doctor.")])

    page = admin_client.get(f"/admin/cramps/article/{article.pk}/change/").content.decode()

    body, key_points = page.index('id="id_body"'), page.index('id="key_points-group"')
    publishing, faqs = page.index(">Publishing<"), page.index('id="faqs-group"')
    assert body < key_points < publishing < faqs
    assert page.count('id="key_points-group"') == 1


def test_questions_answers_and_notes_get_wide_inputs(admin_client):
    article = make_article(faqs=[("Is it safe?", "Ask your doctor.")])
    nutrient = make_nutrient(foods=[("Almonds", "80 mg", "Also fibre.")])

    faq_page = admin_client.get(f"/admin/cramps/article/{article.pk}/change/").content.decode()
    food_page = admin_client.get(f"/admin/cramps/nutrient/{nutrient.pk}/change/").content.decode()

    assert 'class="vTextField cramps-wide" maxlength="300" id="id_faqs-0-question"' in faq_page
    assert '<textarea name="faqs-0-answer" cols="40" rows="5" class="cramps-wide"' in faq_page
    # Fact rows are compact one-line inputs that take the width of their column (admin.css).
    assert '<input type="text" name="food_sources-0-notes" value="Also fibre." size="14"' in food_page


def reference_list_queries(admin_client, query: str = "") -> tuple[int, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(f"/admin/references/reference/{query}")
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_reference_list_shows_identifiers_and_how_many_pages_cite_each(admin_client):
    make_reference(key="garrison2020", pmid="32956536", doi="10.1002/14651858.CD009402.pub3")
    make_reference(key="unused2001")
    make_article(body="[@garrison2020]")
    make_nutrient(body="[@garrison2020]")

    _, page = reference_list_queries(admin_client)

    for heading in ["Citation key", "First author", "Year", "PMID", "DOI", "Cited by"]:
        assert f">{heading}</" in page
    assert '<td class="field-pmid">32956536</td>' in page
    assert '<td class="field-doi">10.1002/14651858.CD009402.pub3</td>' in page
    assert '<td class="field-cited_by">2</td>' in page and '<td class="field-cited_by">0</td>' in page


def test_reference_list_sorts_and_filters_by_citing_pages(admin_client):
    make_reference(key="aaron2001")
    make_reference(key="zed2002")
    make_article(body="[@zed2002]")

    headings = admin_client.get("/admin/references/reference/").context["cl"].list_display
    column = headings.index("cited_by")
    _, by_count = reference_list_queries(admin_client, f"?o=-{column}")
    _, cited = reference_list_queries(admin_client, "?cited=yes")

    assert by_count.index("zed2002") < by_count.index("aaron2001")
    assert "zed2002" in cited and "aaron2001" not in cited


def test_reference_list_queries_do_not_grow_with_the_references(admin_client):
    first = make_reference()
    make_article(body=f"[@{first.key}]")
    few, _ = reference_list_queries(admin_client)
    for _ in range(15):
        reference = make_reference()
        make_article(body=f"[@{reference.key}]")
        make_nutrient(body=f"[@{reference.key}]")

    many, page = reference_list_queries(admin_client)

    assert many == few
    assert page.count('<td class="field-cited_by">2</td>') == 15


def test_a_mistyped_key_suggests_the_stored_one_and_links_to_add_it(admin_client, references):
    response = admin_client.post("/admin/cramps/article/add/", article_form(body="Claim [@rude1989]."))

    page = response.content.decode()
    assert "Unknown citation key in this text: @rude1989 (did you mean @rude1998?)." in page
    link = '<a href="/admin/references/reference/add/?key=rude1989" target="_blank" rel="noopener">'
    assert link + "Add the reference</a>" in page
    assert not Article.objects.exists()
    add_page = admin_client.get("/admin/references/reference/add/?key=rude1989").content.decode()
    assert 'name="key" value="rude1989"' in add_page
