"""The demo content in fixtures/ loads, renders and stays sound, so it never rots."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from cramps.models import Article, Citation, Nutrient
from references.models import Reference

pytestmark = pytest.mark.django_db


def shown_numbers(page: str) -> set[int]:
    """Every number the in-text citations show, with ranges such as 8–10 expanded."""
    numbers = set()
    for sup in re.findall(r'<sup class="citation">(.*?)</sup>', page):
        text = re.sub(r"<[^>]+>", "", sup).strip("[]")
        for part in text.split(","):
            bounds = [int(n) for n in re.findall(r"\d+", part.split(" p")[0])]
            numbers.update(range(bounds[0], bounds[-1] + 1) if "–" in part else bounds[:1])
    return numbers


@pytest.fixture
def demo():
    out = StringIO()
    call_command("load_demo", "--no-user", stdout=out)
    return out.getvalue()


def test_every_fixture_loads_and_renders(demo):
    assert "Loaded 60 references, 9 nutrients, 4 articles from 5 fixture files." in demo
    assert Article.objects.published().count() >= 4
    assert Nutrient.objects.published().count() >= 8
    assert Reference.objects.count() >= 30
    for slug in [
        "magnesium",
        "vitamin-b12",
        "calcium",
        "potassium",
        "sodium",
        "zinc",
        "vitamin-e",
        "vitamin-d",
    ]:
        assert Nutrient.objects.filter(slug=slug).exists(), slug
    assert all(article.body_html for article in Article.objects.all())


def test_loading_twice_changes_nothing(demo):
    counts = (
        Article.objects.count(),
        Nutrient.objects.count(),
        Reference.objects.count(),
        Citation.objects.count(),
    )

    call_command("load_demo", "--no-user", stdout=StringIO())

    assert (Article.objects.count(), Nutrient.objects.count(), Reference.objects.count(),
            Citation.objects.count()) == counts  # fmt: skip


def test_demo_citations_are_sound(demo):
    out = StringIO()
    call_command("check_citations", stdout=out)

    assert "All citations are sound" in out.getvalue()


def test_every_demo_page_renders_with_numbered_citations(client, demo):
    for document in [*Article.objects.all(), *Nutrient.objects.all()]:
        page = client.get(document.get_absolute_url()).content.decode()
        cited = document.citations.count()
        listed = re.findall(r'<li id="ref-(\d+)"', page)
        assert listed == [str(n) for n in range(1, cited + 1)], document
        assert shown_numbers(page) == set(range(1, cited + 1)), document
        assert "citation-unknown" not in page
        assert "Not medical advice" in page


def test_magnesium_page_cites_the_seed_sources_in_order_of_first_appearance(client, demo):
    magnesium = Nutrient.objects.get(slug="magnesium")
    keys = list(magnesium.citations.order_by("number").values_list("reference__key", flat=True))

    page = client.get(magnesium.get_absolute_url()).content.decode()

    assert "rude1998" in keys
    positions = [page.index(f'id="ref-{n}"') for n in range(1, len(keys) + 1)]
    assert positions == sorted(positions)
    first_cites = [page.index(f'id="cite-{n}"') for n in range(1, len(keys) + 1)]
    assert first_cites == sorted(first_cites)


def test_demo_admin_user_is_created_once_and_login_printed(django_user_model):
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)

    assert django_user_model.objects.filter(is_superuser=True).count() == 1
    assert out.getvalue().count("as “admin” with password “cramps-demo”") == 2


def test_the_login_printed_names_the_address_make_run_serves(settings):
    settings.CRAMPS_SITE_URL = "http://127.0.0.1:8400"
    out = StringIO()

    call_command("load_demo", stdout=out)

    assert "Admin: log in at http://127.0.0.1:8400/admin/ as “admin”" in out.getvalue()


@pytest.mark.parametrize(
    "url", ["/", "/articles/", "/nutrients/", "/tags/neuropathy/", "/nutrients/magnesium/"]
)
def test_no_raw_citation_keys_leak_into_listings_or_meta_tags(client, demo, url):
    page = client.get(url).content.decode()

    assert "[@" not in page


def rows() -> dict:
    """Every row load_demo could touch, as comparable values."""
    from taggit.models import Tag, TaggedItem

    from cramps.models import FAQ, FoodSource, Interaction, KeyPoint

    models = (Reference, Article, Nutrient, KeyPoint, FAQ, FoodSource, Interaction, Tag, TaggedItem, Citation)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def test_reloading_leaves_every_row_as_it_was_even_last_updated(demo):
    before = rows()

    out = StringIO()
    call_command("load_demo", "--no-user", stdout=out)

    assert rows() == before
    assert "Skipped 9 nutrients already on this site (left as they are)" in out.getvalue()
    assert "Nothing new to load." in out.getvalue()


def test_a_site_with_its_own_rows_at_the_demo_keys_and_ids_keeps_them_all():
    from cramps.models import Status

    from .factories import make_article, make_nutrient, make_reference

    # The site's own content holds the ids the demo fixtures use (1, 2, …) and some of its keys
    # and slugs: loaddata would have overwritten all of it.
    make_reference(pk=1, key="mine2020", title="Our own cited study")
    same_key = make_reference(pk=2, key="rude1998", title="Our own record under a demo key")
    make_nutrient(pk=1, slug="magnesium", title="Our magnesium page", body="[@mine2020]",
                  foods=[("Our food", "", "")], tags=["our-tag"])  # fmt: skip
    make_nutrient(pk=2, slug="our-iron", title="Our iron page")
    make_article(pk=1, slug="our-article", title="Our article", body="[@rude1998]", key_points=["Ours."],
                 status=Status.DRAFT, tags=["neuropathy"])  # fmt: skip
    _sequences_after_explicit_ids()
    before = rows()

    out = StringIO()
    call_command("load_demo", "--no-user", stdout=out)

    after = rows()
    for name, values in before.items():
        kept = {row["id"]: row for row in after[name]}
        for row in values:
            assert kept.get(row["id"]) == row, (name, row)
    assert Reference.objects.get(key="rude1998").title == "Our own record under a demo key"
    assert Nutrient.objects.get(slug="magnesium").title == "Our magnesium page"
    assert Nutrient.objects.filter(slug="zinc").exists() and Article.objects.count() == 5
    assert Nutrient.objects.count() == 10
    report = out.getvalue()
    assert "Skipped 1 references already on this site (left as they are): rude1998." in report
    assert "Skipped 1 nutrients already on this site (left as they are): magnesium." in report
    assert "Loaded 59 references, 8 nutrients, 4 articles" in report
    # The demo's pages that cite @rude1998 now cite the site's own record, which is unchanged.
    assert Citation.objects.filter(reference=same_key).count() > 1


def _sequences_after_explicit_ids() -> None:
    """Rows created with explicit ids leave PostgreSQL's id sequences behind; move them past."""
    from django.core.management.color import no_style
    from django.db import connection

    from cramps.models import KeyPoint

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Reference, Nutrient, Article, KeyPoint]):
            cursor.execute(sql)


def test_key_studies_have_summaries_shown_on_their_pages(demo, client):
    for key in ["garrison2020", "roffe2002", "loprinzi2020", "seretny2014", "hallegraeff2012"]:
        reference = Reference.objects.get(key=key)
        assert reference.study_type and reference.population and reference.main_result, key
        assert reference.limits and "Evidence strength:" in reference.summary_html, key
        page = client.get(reference.get_absolute_url()).content.decode()
        assert page.index("What this study found") < page.index("citation-full"), key
        # Each summary cites another key study, numbered and listed on the page.
        assert 'href="#ref-1"' in page, key


def entry_text(page: str, key: str) -> str:
    """The plain text of the reference-list entry that links to ``key``'s own page."""
    for item in re.findall(r'<li id="ref-\d+".*?</li>', page, re.S):
        if f'href="/references/{key}/"' in item:
            entry = item.split('<span class="ref-links">')[0]
            return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", entry)).strip()
    raise AssertionError(f"{key} is not in the reference list")


def test_corrected_bibliographic_data_is_what_readers_see(client, demo):
    page = client.get("/nutrients/magnesium/").content.decode()

    # Supplement pages with a letter prefix keep the short end, as pandoc prints them.
    assert entry_text(page, "ada1999").endswith("Diabetes Care. 1999;22(Suppl 1):S42–5.")
    assert entry_text(page, "iom1999") == (
        "Institute of Medicine, Food and Nutrition Board. Dietary Reference Intakes for Calcium, "
        "Phosphorus, Magnesium, Vitamin D, and Fluoride. Washington, DC: National Academy Press; 1997."
    )
    assert Reference.objects.get(key="garrison2020").pmid == "32956536"


def cited_keys(page: str, phrase: str) -> set[str]:
    """The citation keys cited in the paragraph or list item of ``page`` that contains ``phrase``."""
    blocks = [
        b for _, b in re.findall(r"<(p|li)>(.*?)</\1>", page, re.S) if phrase in re.sub(r"<[^>]+>", "", b)
    ]
    assert blocks, f"{phrase!r} is not on the page"
    numbers = {int(n) for block in blocks for n in re.findall(r'href="#ref-(\d+)"', block)}
    listed = dict(re.findall(r'<li id="ref-(\d+)".*?href="/references/([\w-]+)/"', page, re.S))
    return {listed[str(n)] for n in numbers}


# Issue 11: what readers of the seed documents ask for, each said on a published page and cited.
TOPICS = [
    ("/nutrients/vitamin-b12/", "blood potassium can fall", {"cyanocobalamin-label"}),
    ("/articles/can-vitamin-b12-cause-leg-cramps/", "blood potassium can fall", {"cyanocobalamin-label"}),
    ("/nutrients/vitamin-b12/", "pernicious anaemia, an autoimmune condition", {"stabler2013"}),
    ("/nutrients/vitamin-b12/", "for the rest of their lives", {"stabler2013"}),
    ("/articles/nutritional-causes-of-muscle-spasms/", "pull your toes and foot up", {"allen2012"}),
    ("/articles/nutritional-causes-of-muscle-spasms/", "gentle static stretching", {"miller2022"}),
    (
        "/articles/nutritional-causes-of-muscle-spasms/",
        "quinine should not be used for night-time leg cramps",
        {"fda2010"},
    ),
    ("/articles/nutritional-causes-of-muscle-spasms/", "quinine should not be used routinely", {"mhra2010"}),
    (
        "/articles/muscle-cramps-and-chemotherapy-induced-neuropathy/",
        "duloxetine is the only medicine",
        {"loprinzi2020"},
    ),
    (
        "/articles/muscle-cramps-and-chemotherapy-induced-neuropathy/",
        "gabapentin did no better than placebo",
        {"rao2007"},
    ),
    ("/articles/can-vitamin-b12-cause-leg-cramps/", "iron treatment probably eases", {"trotti2019"}),
    (
        "/articles/nutritional-causes-of-muscle-spasms/",
        "Statins, the cholesterol-lowering medicines",
        {"stroes2015"},
    ),
    ("/articles/nutritional-causes-of-muscle-spasms/", "underactive thyroid gland", {"miller2005"}),
    ("/articles/nutritional-causes-of-muscle-spasms/", "Poor circulation (claudication)", {"allen2012"}),
]


@pytest.mark.parametrize(("url", "phrase", "keys"), TOPICS)
def test_each_topic_readers_ask_for_is_on_a_published_page_and_cited(client, demo, url, phrase, keys):
    response = client.get(url)
    page = response.content.decode()

    assert response.status_code == 200
    assert keys <= cited_keys(page, phrase)


def test_the_topic_pages_are_published_not_drafts(demo):
    slugs = {url.strip("/").split("/")[-1] for url, _, _ in TOPICS}
    published = {
        *Article.objects.published().values_list("slug", flat=True),
        *Nutrient.objects.published().values_list("slug", flat=True),
    }

    assert slugs <= published


def test_starting_b12_treatment_lowering_potassium_is_stated_as_documented(client, demo):
    for url in ["/nutrients/vitamin-b12/", "/articles/can-vitamin-b12-cause-leg-cramps/"]:
        page = client.get(url).content.decode()

        assert "proposed mechanism" not in page
        assert "first 48 hours" in page


def test_one_small_uncontrolled_study_gets_the_same_grade_for_zinc_and_vitamin_e(demo):
    zinc = Nutrient.objects.get(slug="zinc")
    vitamin_e = Nutrient.objects.get(slug="vitamin-e")

    assert zinc.evidence_grade == vitamin_e.evidence_grade == "limited"
    assert zinc.citations.filter(reference__key="kugelmas2000").exists()
    assert vitamin_e.citations.filter(reference__key="elhennawy2010").exists()


@pytest.mark.parametrize(
    ("url", "phrase", "key"),
    [
        ("/nutrients/calcium/", "2,500 mg a day up to age 50", "iom2011"),
        ("/nutrients/vitamin-d/", "4,000 IU (100 micrograms) a day", "iom2011"),
        ("/nutrients/zinc/", "upper limit of 40 mg of zinc a day", "iom2001"),
        ("/nutrients/vitamin-e/", "1,000 mg of alpha-tocopherol a day", "iom2000"),
        ("/nutrients/potassium/", "No upper limit has been set", "nasem2019"),
    ],
)
def test_upper_limits_are_given_with_their_source(client, demo, url, phrase, key):
    page = client.get(url).content.decode()

    assert key in cited_keys(page, phrase)


def test_every_published_nutrient_has_intake_values_and_foods_with_amounts(demo):
    for nutrient in Nutrient.objects.published():
        intakes = list(nutrient.intake_values.all())
        assert any(row.life_stage == "adults" for row in intakes), nutrient
        assert all(row.amount and row.source for row in intakes), nutrient
        foods = list(nutrient.food_sources.all())
        assert foods and all(food.amount and food.serving for food in foods), nutrient
        assert nutrient.role, nutrient


def test_demo_fact_tables_show_the_reports_numbers(client, demo):
    zinc = client.get("/nutrients/zinc/").content.decode()
    assert "Adults 19 years and over, men" in zinc and "11 mg (RDA)" in zinc and "40 mg" in zinc
    assert "Zinc sulfate" in zinc and "About 50 mg of elemental zinc" in zinc
    assert "copper deficiency" in zinc
    magnesium = client.get("/nutrients/magnesium/").content.decode()
    assert "350 mg (supplements and medicines only)" in magnesium
    assert "Pumpkin seeds, roasted" in magnesium and "156 mg" in magnesium and "37%" in magnesium
    vitamin_d = client.get("/nutrients/vitamin-d/").content.decode()
    assert "15 µg (RDA)" in vitamin_d and "600 IU" in vitamin_d and "100 µg" in vitamin_d
    potassium = client.get("/nutrients/potassium/").content.decode()
    assert "3,400 mg (AI)" in potassium and "Spironolactone" in potassium.replace(
        "spironolactone", "Spironolactone"
    )


def test_every_interaction_says_which_way_it_works_what_to_do_and_its_source(demo):
    for nutrient in Nutrient.objects.published():
        for row in nutrient.interactions.all():
            cited = row.source_html or "[@" in row.effect
            assert row.direction and row.advice and cited, (nutrient.slug, row.medication)
