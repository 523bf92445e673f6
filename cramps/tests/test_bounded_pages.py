"""Public pages at 5 and at 50 documents: the same queries, a bounded amount shown."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cramps.models import Article, Nutrient
from references.models import Reference

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/articles/",
    "/articles/?page=last",
    "/articles/page-0/",
    "/nutrients/",
    "/nutrients/nutrient-0/",
    "/tags/",
    "/tags/common/",
    "/tags/common/?page=2",
    "/references/",
    "/references/?q=cramps",
    "/references/?page=last",
    "/references/shared/",
    "/handout/",
    "/handout/?q=page&items=article:page-1&items=nutrient:nutrient-1",
    "/handout/?page=2",
]


def build_site(size: int) -> None:
    make_reference(key="shared", title="A study of cramps everyone cites")
    for n in range(size):
        key = make_reference(key=f"ref{n}").key
        nutrient = make_nutrient(
            title=f"Nutrient {n}", slug=f"nutrient-{n}", body=f"Text [@shared; @{key}].",
            foods=[(f"Food {n}", "1 mg", f"[@{key}]")], tags=["common", f"tag-{n}"],
        )  # fmt: skip
        make_article(
            title=f"Page {n}", slug=f"page-{n}", body=f"## Part\n\nText [@shared] and [@{key}].",
            key_points=[f"Point [@{key}]"], faqs=[("Why?", "Because [@shared].")],
            tags=["common", f"tag-{n}"], nutrients=[nutrient],
        )  # fmt: skip


def query_counts(client) -> dict[str, int]:
    counts = {}
    for url in PAGES:
        client.get(url)  # warm: formatted references are cached after the first view
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(queries)
    return counts


def test_every_public_page_costs_the_same_queries_at_5_and_50_documents(client):
    build_site(5)
    small = query_counts(client)
    Article.objects.all().delete()
    Nutrient.objects.all().delete()
    Reference.objects.all().delete()
    build_site(50)

    assert query_counts(client) == small


def cards(html: str) -> int:
    return html.count('<li class="card">')


def test_long_lists_are_paginated_or_capped(client):
    build_site(50)

    home = client.get("/").content.decode()
    assert cards(home) == 6 + 24 and 'href="/nutrients/">All nutrients' in home
    assert cards(client.get("/tags/common/").content.decode()) == 48
    assert "Page 1 of 3" in client.get("/tags/common/").content.decode()
    last = client.get("/tags/common/?page=3").content.decode()
    assert cards(last) == 4 and "Page 3 of 3" in last
    builder = client.get("/handout/").content.decode()
    assert builder.count('name="items"') == 60 and "Page 1 of 2" in builder


def test_the_builder_searches_titles_and_keeps_the_chosen_pages(client):
    build_site(50)

    page = client.get("/handout/?q=Page 4&items=nutrient:nutrient-7").content.decode()

    assert re.findall(r'value="(\w+:[\w-]+)"( checked)?', page) == [
        ("nutrient:nutrient-7", " checked"),
        ("article:page-4", ""),
        *[(f"article:page-{n}", "") for n in range(40, 50)],
    ]
    assert 'formaction="/handout/"' in page


def test_the_pages_of_a_list_read_forwards_and_from_the_end_are_the_whole_list_once(client):
    # Titles repeat: the primary key orders the ties, so the last pages (read backwards) meet
    # the first ones exactly.
    for n in range(60):
        make_article(title=f"Same title {n % 3}", slug=f"same-{n}")
    Reference.objects.bulk_create(Reference(key=f"r{n:03d}", title=f"Title {n}") for n in range(120))

    def listed(url: str, pattern: str) -> list[str]:
        return re.findall(pattern, client.get(url).content.decode())

    articles = [
        slug
        for page in (1, 2, 3)
        for slug in listed(f"/articles/?page={page}", r'href="/articles/(same-\d+)/"')
    ]
    expected = Article.objects.order_by("title", "pk").values_list("slug", flat=True)
    assert articles == list(expected)
    keys = [
        key
        for page in (1, 2, 3)
        for key in listed(f"/references/?page={page}", r'href="/references/(r\d+)/"')
    ]
    assert keys == [f"r{n:03d}" for n in range(120)]
