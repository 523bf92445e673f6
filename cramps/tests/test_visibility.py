"""Drafts, pages in review and scheduled pages are invisible to the public on every surface."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cramps.models import Article, Nutrient, Status

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db

HIDDEN = {
    "draft": {"status": Status.DRAFT},
    "review": {"status": Status.REVIEW},
    "scheduled": {"status": Status.PUBLISHED, "publish_at": timezone.now() + timedelta(days=3)},
}


def listings(document) -> list[str]:
    tag_urls = [f"/tags/{tag.slug}/" for tag in document.tags.all()]
    sitemaps = ["/sitemap.xml", "/sitemap-articles.xml", "/sitemap-nutrients.xml"]
    return ["/", "/articles/", "/nutrients/", "/tags/", *sitemaps, "/feed/", *tag_urls]


@pytest.fixture(params=["article", "nutrient"])
def make_document(request):
    return make_article if request.param == "article" else make_nutrient


@pytest.mark.parametrize("state", HIDDEN)
def test_hidden_document_is_404_and_unlisted_for_the_public(client, make_document, state):
    reference = make_reference(key="secretref")
    visible = make_document(title="Visible page", tags=["neuropathy"])
    hidden = make_document(title="Hidden page", tags=["neuropathy", "secret-topic"], body="Text [@secretref].",
                           **HIDDEN[state])  # fmt: skip

    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(visible.get_absolute_url()).status_code == 200
    for url in listings(visible):
        page = client.get(url).content.decode()
        assert "Hidden page" not in page, url
        assert hidden.get_absolute_url() not in page, url
    assert client.get("/tags/secret-topic/").status_code == 404
    assert "secret-topic" not in client.get("/tags/").content.decode()
    assert "Hidden page" not in client.get(reference.get_absolute_url()).content.decode()


@pytest.mark.parametrize("state", HIDDEN)
def test_staff_can_preview_hidden_document_with_a_banner(staff_client, make_document, state):
    hidden = make_document(title="Hidden page", **HIDDEN[state])

    response = staff_client.get(hidden.get_absolute_url())

    assert response.status_code == 200
    assert "Readers cannot see it yet" in response.content.decode()


def test_scheduled_page_appears_once_its_time_has_come(client):
    article = make_article(title="Soon", publish_at=timezone.now() + timedelta(hours=1))
    assert client.get(article.get_absolute_url()).status_code == 404

    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now() - timedelta(seconds=1))

    assert client.get(article.get_absolute_url()).status_code == 200
    assert "Soon" in client.get("/articles/").content.decode()


def test_published_pages_are_listed_everywhere(client):
    reference = make_reference(key="cited")
    nutrient = make_nutrient(title="Magnesium", tags=["dialysis"])
    article = make_article(
        title="Cramps at night", tags=["dialysis"], nutrients=[nutrient], body="Night [@cited]."
    )

    assert "Cramps at night" in client.get("/articles/").content.decode()
    assert "Magnesium" in client.get("/nutrients/").content.decode()
    assert "Cramps at night" in client.get("/").content.decode()
    tag_page = client.get("/tags/dialysis/").content.decode()
    assert "Cramps at night" in tag_page and "Magnesium" in tag_page
    assert "Cramps at night" in client.get(reference.get_absolute_url()).content.decode()
    assert article.get_absolute_url() in client.get("/sitemap-articles.xml").content.decode()


def test_visibility_queryset_is_the_single_rule():
    make_article(title="A", status=Status.DRAFT)
    make_article(title="B")
    make_nutrient(title="C", status=Status.REVIEW)
    make_nutrient(title="D", publish_at=timezone.now() - timedelta(days=1))

    assert list(Article.objects.published().values_list("title", flat=True)) == ["B"]
    assert list(Nutrient.objects.published().values_list("title", flat=True)) == ["D"]
