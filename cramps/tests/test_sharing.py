"""Sitemap index, Atom feed, robots.txt, canonical links, Open Graph and JSON-LD: published only."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from cramps.models import Status
from cramps.sitemaps import ArticleSitemap

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db

UNPUBLISHED = {
    "draft": {"status": Status.DRAFT},
    "review": {"status": Status.REVIEW},
    "scheduled": {"status": Status.PUBLISHED, "publish_at": timezone.now() + datetime.timedelta(days=2)},
}


def jsonld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_the_sitemap_is_an_index_of_sections(client):
    make_article(title="Cramps")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<sitemapindex" in body
    for section in ("pages", "articles", "nutrients", "references"):
        assert f"http://testserver/sitemap-{section}.xml" in body


@pytest.mark.parametrize("state", UNPUBLISHED)
def test_sitemaps_list_only_published_pages(client, state):
    shown = make_article(title="Shown", slug="shown")
    make_article(title="Hidden", slug="hidden", **UNPUBLISHED[state])
    make_nutrient(title="Hidden nutrient", slug="hidden-nutrient", **UNPUBLISHED[state])
    articles = client.get("/sitemap-articles.xml").content.decode()
    assert f"http://testserver{shown.get_absolute_url()}" in articles
    assert "/hidden/" not in articles
    assert "/hidden-nutrient/" not in client.get("/sitemap-nutrients.xml").content.decode()


def test_sitemap_sections_are_paginated(client, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)
    for n in range(5):
        make_article(title=f"Page {n}")
    assert "sitemap-articles.xml?p=3" in client.get("/sitemap.xml").content.decode()
    pages = [client.get("/sitemap-articles.xml", {"p": p}).content.decode() for p in (1, 2, 3)]
    assert [page.count("<url>") for page in pages] == [2, 2, 1]
    assert client.get("/sitemap-articles.xml", {"p": 4}).status_code == 404


def test_sitemaps_use_the_public_address_when_set(client, settings):
    settings.CRAMPS_SITE_URL = "https://cramps.example.org"
    reference = make_reference()
    make_article(body=f"Cited [@{reference.key}].")  # only references published pages cite are listed
    body = client.get("/sitemap-references.xml").content.decode()
    assert f"https://cramps.example.org{reference.get_absolute_url()}" in body


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines


def test_the_feed_lists_published_articles_newest_change_first(client):
    old = make_article(title="Older article")
    new = make_article(title="Newer article")
    old.touch()  # changed most recently
    make_article(title="Draft article", status=Status.DRAFT)
    make_article(title="Scheduled article", **UNPUBLISHED["scheduled"])
    make_nutrient(title="A nutrient")
    response = client.get("/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    titles = re.findall(r"<entry><title>([^<]*)</title>", response.content.decode())
    assert titles == [old.title, new.title]
    assert "<updated>" in response.content.decode()


def test_pages_have_a_canonical_address_and_open_graph_tags(client, settings):
    make_article(title="Night cramps", slug="night-cramps", summary="Why they happen.")
    html = client.get("/articles/night-cramps/?utm_source=x").content.decode()
    assert '<link rel="canonical" href="http://testserver/articles/night-cramps/">' in html
    assert '<meta property="og:title" content="Night cramps">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:description" content="Why they happen.">' in html
    settings.CRAMPS_SITE_URL = "https://cramps.example.org"
    html = client.get("/articles/?page=2&sort=x").content.decode()
    assert '<link rel="canonical" href="https://cramps.example.org/articles/?page=2">' in html
    assert 'rel="alternate" type="application/atom+xml"' in html


def test_jsonld_describes_the_reviewed_page_and_what_it_cites(client):
    rude = make_reference(key="rude1998", title="Magnesium deficiency", pmid="9718420",
                          authors=[{"family": "Rude", "given": "R. K."}])  # fmt: skip
    make_nutrient(
        title="Magnesium",
        slug="magnesium",
        aliases="Mg",
        body="Low levels cause cramps [@rude1998].",
        medical_reviewer="Dr A. Example, MD",
        reviewed_on=datetime.date(2026, 10, 1),
    )
    [data] = jsonld(client.get("/nutrients/magnesium/").content.decode())
    assert data["@type"] == "MedicalWebPage"
    assert data["url"] == "http://testserver/nutrients/magnesium/"
    assert data["lastReviewed"] == "2026-10-01"
    assert data["reviewedBy"] == {"@type": "Person", "name": "Dr A. Example, MD"}
    [cited] = data["citation"]
    assert cited["name"] == rude.title
    assert cited["author"] == [{"@type": "Person", "name": "R. K. Rude"}]
    assert cited["identifier"] == ["PMID:9718420"]
    assert data["about"]["alternateName"] == ["Mg"]


def test_jsonld_cannot_end_its_script_element(client):
    make_article(title="Cramps </script><script>alert(1)</script>", slug="odd")
    html = client.get("/articles/odd/").content.decode()
    [data] = jsonld(html)
    assert data["name"] == "Cramps </script><script>alert(1)</script>"
    assert "<script>alert(1)" not in html


def test_no_jsonld_on_a_staff_preview(staff_client):
    make_article(title="Draft", slug="draft", status=Status.DRAFT)
    response = staff_client.get("/articles/draft/")
    assert response.status_code == 200
    assert jsonld(response.content.decode()) == []
