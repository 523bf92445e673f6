"""Querysets compiled once and run again with new values (``cramps.precompiled``), and the reader's
page read that uses them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cramps.models import Article, Status
from cramps.precompiled import Compiled, NotPrecompilable, Value

from .factories import make_article

pytestmark = pytest.mark.django_db

SLUG = Value(Article._meta.get_field("slug"), ("a", "b"))


def test_each_call_reads_the_row_for_its_own_values_with_columns_converted():
    first = make_article(title="First", publish_at=timezone.now() - timedelta(days=2))
    second = make_article(title="Second")
    by_slug = Compiled(
        Article,
        lambda slug: Article.objects.filter(slug=slug).values("id", "title", "publish_at"),
        {"slug": SLUG},
    )

    assert by_slug.first(slug=first.slug) == {
        "id": first.pk,
        "title": "First",
        "publish_at": first.publish_at,
    }
    assert by_slug.first(slug=second.slug) == {"id": second.pk, "title": "Second", "publish_at": None}
    assert by_slug.first(slug="no-such-page") is None
    # A datetime comes back as one on SQLite too (a string there without the field's converter).
    assert isinstance(by_slug.first(slug=first.slug)["publish_at"], datetime)


def test_an_instance_has_its_fields_and_other_columns_as_attributes():
    article = make_article(title="Whole")
    query = Compiled(
        Article,
        lambda slug: Article.objects.filter(slug=slug).values("id", "title", "slug", "created", "status"),
        {"slug": SLUG},
    )
    found = query.instance(slug=article.slug)
    assert isinstance(found, Article) and found.pk == article.pk and found.title == "Whole"
    assert found.get_deferred_fields() >= {"body", "summary"}
    assert found.body == article.body  # a deferred field loads as on any ``only()`` instance


def test_values_in_several_places_are_all_filled_in():
    article = make_article(title="Twice")
    now = Value(
        Article._meta.get_field("publish_at"),
        (datetime(2001, 1, 1, tzinfo=UTC), datetime(2002, 1, 1, tzinfo=UTC)),
    )
    query = Compiled(
        Article,
        lambda slug, now: Article.objects.published(now).filter(slug=slug).values("id"),
        {"slug": SLUG, "now": now},
    )
    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now() + timedelta(hours=1))
    assert query.first(slug=article.slug, now=timezone.now()) is None
    assert query.first(slug=article.slug, now=timezone.now() + timedelta(hours=2)) == {"id": article.pk}


def test_none_is_refused_as_a_value():
    query = Compiled(Article, lambda slug: Article.objects.filter(slug=slug).values("id"), {"slug": SLUG})
    with pytest.raises(ValueError, match="'slug' is None"):
        query.first(slug=None)


def test_a_value_that_changes_the_sql_is_refused():
    query = Compiled(Article, lambda slugs: Article.objects.filter(slug__in=slugs.split(",")).values("id"),
                     {"slugs": Value(Article._meta.get_field("slug"), ("a", "b,c"))})  # fmt: skip
    with pytest.raises(NotPrecompilable, match="'slugs' changes the SQL"):
        query.first(slugs="a")


def test_a_value_the_query_changes_before_use_is_refused():
    query = Compiled(
        Article, lambda slug: Article.objects.filter(slug=slug.upper()).values("id"), {"slug": SLUG}
    )
    with pytest.raises(NotPrecompilable, match="'slug' is not a parameter"):
        query.first(slug="a")


def test_the_sql_is_compiled_again_when_its_context_changes():
    make_article(title="Old", slug="old")
    make_article(title="New", slug="new")
    shown = {"status": Status.PUBLISHED}
    query = Compiled(
        Article,
        lambda slug: Article.objects.filter(slug=slug, status=shown["status"]).values("title"),
        {"slug": SLUG},
        context=lambda: shown["status"],
    )
    assert query.first(slug="old") == {"title": "Old"}
    Article.objects.filter(slug="old").update(status=Status.DRAFT)
    shown["status"] = Status.DRAFT
    assert query.first(slug="old") == {"title": "Old"}
    assert query.first(slug="new") is None


def test_a_reader_gets_a_kept_page_in_one_query_and_an_unknown_slug_is_404(client):
    article = make_article(title="Kept for readers")
    assert client.get(article.get_absolute_url()).status_code == 200  # kept now
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200 and "Kept for readers" in response.text
    assert len(queries) == 1
    missing = client.get("/articles/no-such-article/")
    assert missing.status_code == 404
