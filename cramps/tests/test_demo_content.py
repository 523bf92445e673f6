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
    assert "Loaded 36 references, 9 nutrients, 4 articles from 4 fixture files." in demo
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


@pytest.mark.parametrize(
    "url", ["/", "/articles/", "/nutrients/", "/tags/neuropathy/", "/nutrients/magnesium/"]
)
def test_no_raw_citation_keys_leak_into_listings_or_meta_tags(client, demo, url):
    page = client.get(url).content.decode()

    assert "[@" not in page
