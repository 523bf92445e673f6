"""``make_scale_data``: the scale data set, small here, shaped like saved pages."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cramps.citing import citations_drift
from cramps.models import Article, Nutrient
from references.models import Reference

pytestmark = pytest.mark.django_db


def build(**options):
    call_command("make_scale_data", stdout=StringIO(), **options)


def test_it_builds_published_pages_with_citations_tags_and_related_nutrients(client):
    build(articles=30, nutrients=5, references=40)
    assert Article.objects.published().filter(slug__startswith="scale-").count() == 30
    assert Nutrient.objects.published().filter(slug__startswith="scale-").count() == 5
    assert Reference.objects.filter(key__startswith="scale-").count() == 40
    known = Reference.objects.in_bulk(field_name="key")
    article = Article.objects.filter(slug__startswith="scale-").first()
    assert article.citations.count() == 3
    assert citations_drift(article, known) == ""  # the rows the editor's save would have written
    assert article.tags.count() == 3 and article.related_nutrients.exists()
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200 and "cite-ref" in response.content.decode()  # numbered citations


def test_scale_pages_are_found_by_search(client):
    build(articles=10, nutrients=3, references=10)
    assert "Scale nutrient 2" in client.get("/search/", {"q": "scalium 2"}).content.decode()


def test_it_refuses_to_build_twice_unless_told_to_replace():
    build(articles=2, nutrients=1, references=3)
    with pytest.raises(CommandError, match="--replace"):
        build(articles=2, nutrients=1, references=3)
    build(articles=4, nutrients=1, references=3, replace=True)
    assert Article.objects.filter(slug__startswith="scale-").count() == 4


def test_dry_run_writes_nothing():
    out = StringIO()
    call_command("make_scale_data", articles=5, references=5, dry_run=True, stdout=out)
    assert "Would build 5 articles" in out.getvalue()
    assert not Article.objects.exists() and not Reference.objects.exists()
