"""Pages cost a constant number of queries however much they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def make_refs(n: int, prefix: str) -> list[str]:
    return [make_reference(key=f"{prefix}{i}").key for i in range(n)]


def big_article(prefix: str, size: int):
    keys = make_refs(size, prefix)
    nutrients = [make_nutrient(title=f"{prefix} nutrient {i}") for i in range(size)]
    cites = " ".join(f"[@{key}]" for key in keys)
    return make_article(
        title=f"{prefix} article",
        body=f"## Heading\n\n{cites}",
        key_points=[f"Point {i} [@{keys[i]}]" for i in range(size)],
        faqs=[(f"Question {i}?", f"Answer [@{keys[i]}]") for i in range(size)],
        tags=[f"{prefix}-tag-{i}" for i in range(size)],
        nutrients=nutrients,
    )


def big_nutrient(prefix: str, size: int):
    keys = make_refs(size, prefix)
    return make_nutrient(
        title=f"{prefix} nutrient",
        body=" ".join(f"[@{key}]" for key in keys),
        foods=[(f"Food {i}", "1 mg", f"[@{keys[i]}]") for i in range(size)],
        interactions=[(f"Drug {i}", f"[@{keys[i]}]") for i in range(size)],
        tags=[f"{prefix}-tag-{i}" for i in range(size)],
    )


@pytest.mark.parametrize("builder", [big_article, big_nutrient])
def test_detail_pages_cost_the_same_with_1_or_100_citations_and_inlines(client, builder):
    small, large = builder("small", 1), builder("large", 100)

    assert count_queries(client, large.get_absolute_url()) == count_queries(client, small.get_absolute_url())


@pytest.mark.parametrize("builder", [big_article, big_nutrient])
def test_a_page_seen_before_is_shown_from_its_stored_body_at_any_size(client, builder):
    small, large = builder("small", 5), builder("large", 50)
    cold = count_queries(client, small.get_absolute_url())
    count_queries(client, large.get_absolute_url())

    warm = count_queries(client, small.get_absolute_url())

    assert warm < cold
    assert count_queries(client, large.get_absolute_url()) == warm


@pytest.mark.parametrize("url", ["/", "/articles/", "/nutrients/", "/tags/", "/references/", "/sitemap.xml",
                                 "/sitemap-articles.xml", "/feed/", "/search/?q=cramps"])  # fmt: skip
def test_listing_pages_cost_the_same_with_few_or_many_items(client, url):
    big_article("one", 1)
    few = count_queries(client, url)
    for i in range(12):
        big_article(f"more{i}", 2)

    assert count_queries(client, url) == few


def test_tag_and_reference_pages_are_constant(client):
    make_reference(key="shared")
    make_article(title="First", body="[@shared]", tags=["dialysis"])
    make_nutrient(title="Nutrient", body="[@shared]", tags=["dialysis"])
    first_tag, first_ref = (
        count_queries(client, "/tags/dialysis/"),
        count_queries(client, "/references/shared/"),
    )
    for i in range(10):
        make_article(title=f"More {i}", body="[@shared]", tags=["dialysis"])
        make_nutrient(title=f"Nutrient {i}", body="[@shared]", tags=["dialysis"])

    assert count_queries(client, "/tags/dialysis/") == first_tag
    assert count_queries(client, "/references/shared/") == first_ref
