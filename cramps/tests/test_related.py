"""Related pages (``cramps.related``) on article and nutrient pages, and their "more" lists."""

import re

import pytest

from cramps.models import Status
from cramps.related import RELATED_SHOWN

from .factories import make_article, make_nutrient

pytestmark = pytest.mark.django_db


def section_titles(html: str, heading_id: str) -> list[str]:
    match = re.search(rf'<section class="related" aria-labelledby="{heading_id}">(.*?)</section>', html, re.S)
    return re.findall(r'<h3><a href="[^"]*">([^<]*)</a></h3>', match[1]) if match else []


def card_titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="[^"]*">([^<]*)</a></h3>', html)


def test_an_article_shows_at_most_six_related_nutrients_and_links_to_the_rest(client):
    nutrients = [make_nutrient(title=f"Nutrient {n:02}") for n in range(RELATED_SHOWN + 2)]
    article = make_article(title="Cramps", slug="cramps", nutrients=nutrients)
    html = client.get("/articles/cramps/").content.decode()
    assert section_titles(html, "related-heading") == [f"Nutrient {n:02}" for n in range(RELATED_SHOWN)]
    assert 'href="/articles/cramps/related/nutrients/"' in html
    listing = client.get("/articles/cramps/related/nutrients/")
    assert listing.status_code == 200
    assert card_titles(listing.content.decode()) == [nutrient.title for nutrient in nutrients]
    assert article.title in listing.content.decode()


def test_no_more_link_when_everything_is_shown(client):
    make_article(title="Cramps", slug="cramps", nutrients=[make_nutrient(title="Zinc")])
    html = client.get("/articles/cramps/").content.decode()
    assert section_titles(html, "related-heading") == ["Zinc"]
    assert "/related/nutrients/" not in html


def test_linked_pages_come_first_then_those_sharing_most_tags(client):
    linked = make_nutrient(title="Zinc")
    make_nutrient(title="Calcium", tags=["pregnancy"])
    make_nutrient(title="Iron", tags=["pregnancy", "dialysis"])
    make_nutrient(title="Copper")
    make_article(title="Cramps", slug="cramps", tags=["pregnancy", "dialysis"], nutrients=[linked])
    html = client.get("/articles/cramps/").content.decode()
    assert section_titles(html, "related-heading") == ["Zinc", "Iron", "Calcium"]


def test_related_articles_share_tags_or_nutrients_and_exclude_the_page_itself(client):
    magnesium = make_nutrient(title="Magnesium")
    make_article(title="Cramps", slug="cramps", tags=["sleep"], nutrients=[magnesium])
    make_article(title="Sleep", tags=["sleep"])
    make_article(title="Magnesium tablets", nutrients=[magnesium])
    make_article(title="Unrelated", tags=["other"])
    make_article(title="Draft about sleep", tags=["sleep"], status=Status.DRAFT)
    html = client.get("/articles/cramps/").content.decode()
    assert section_titles(html, "related-articles-heading") == ["Magnesium tablets", "Sleep"]


def test_a_nutrient_lists_its_articles_and_nutrients_sharing_tags(client):
    zinc = make_nutrient(title="Zinc", slug="zinc", tags=["dialysis"])
    make_nutrient(title="Potassium", tags=["dialysis"])
    make_nutrient(title="Hidden", tags=["dialysis"], status=Status.REVIEW)
    for n in range(RELATED_SHOWN + 1):
        make_article(title=f"Zinc article {n}", nutrients=[zinc])
    html = client.get("/nutrients/zinc/").content.decode()
    assert len(section_titles(html, "articles-heading")) == RELATED_SHOWN
    assert 'href="/nutrients/zinc/related/articles/"' in html
    assert section_titles(html, "related-nutrients-heading") == ["Potassium"]
    listing = client.get("/nutrients/zinc/related/articles/").content.decode()
    assert len(card_titles(listing)) == RELATED_SHOWN + 1


def test_related_lists_are_paginated_and_refuse_unknown_kinds(client):
    zinc = make_nutrient(title="Zinc", slug="zinc")
    for n in range(30):
        make_article(title=f"Zinc article {n:02}", nutrients=[zinc])
    assert len(card_titles(client.get("/nutrients/zinc/related/articles/").content.decode())) == 24
    second = client.get("/nutrients/zinc/related/articles/?page=2").content.decode()
    assert len(card_titles(second)) == 6
    assert client.get("/nutrients/zinc/related/tags/").status_code == 404
    make_nutrient(title="Draft", slug="draft", status=Status.DRAFT)
    assert client.get("/nutrients/draft/related/articles/").status_code == 404
