"""Tags are case-, accent- and space-insensitive, with ASCII slugs every URL accepts."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from taggit.models import Tag, TaggedItem

from cramps.models import Article
from cramps.tags import tag_slug

from .factories import make_article, make_nutrient
from .html_forms import form_data

pytestmark = pytest.mark.django_db


def test_one_tag_whatever_the_case_accents_or_spaces():
    article = make_article(tags=["Magnésium"])
    nutrient = make_nutrient(tags=["magnesium", " MAGNESIUM "])
    article.tags.add("  magnésium  ")

    (tag,) = Tag.objects.all()
    assert (tag.name, tag.slug) == ("Magnésium", "magnesium")
    assert list(article.tags.all()) == list(nutrient.tags.all()) == [tag]


def test_an_accented_tag_has_working_pages(client):
    make_article(title="Night cramps", slug="night", tags=["magnésium", "Crampes nocturnes"])

    for url in ("/", "/tags/", "/articles/night/", "/tags/magnesium/", "/tags/crampes-nocturnes/"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert '<a href="/tags/magnesium/">magnésium</a>' in client.get("/tags/").content.decode()


def test_the_admin_merges_tags_typed_differently(admin_client):
    make_article(title="Old", slug="old", tags=["Magnésium"])
    article = make_article(title="Night cramps", slug="night")
    url = f"/admin/cramps/article/{article.pk}/change/"
    data = form_data(admin_client.get(url).content.decode(), "article_form")
    data["tags"] = [" MAGNESIUM ,  sleep   problems, magnesium"]

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert sorted(article.tags.values_list("name", "slug")) == [
        ("Magnésium", "magnesium"), ("sleep problems", "sleep-problems"),
    ]  # fmt: skip
    assert Tag.objects.count() == 2


def test_a_tag_that_could_have_no_address_is_refused_by_name(admin_client):
    article = make_article(title="Night cramps", slug="night", tags=["sleep"])
    url = f"/admin/cramps/article/{article.pk}/change/"
    data = form_data(admin_client.get(url).content.decode(), "article_form")
    data["tags"] = ["sleep, ???"]
    data["title"] = ["Changed title"]

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "“???” cannot be a tag: its address needs a letter or digit from A to Z or 0 to 9." in (
        response.content.decode()
    )
    article.refresh_from_db()
    assert article.title == "Night cramps" and [tag.name for tag in article.tags.all()] == ["sleep"]
    assert Tag.objects.count() == 1


def test_slugs_are_ascii():
    assert tag_slug(" Vitamin  B₁₂ ") == "vitamin-b12"
    assert tag_slug("Ménière’s disease") == "menieres-disease"
    assert tag_slug("日本") == ""


@pytest.mark.django_db(transaction=True)
def test_the_migration_merges_existing_tags_and_makes_their_slugs_ascii():
    before, after = ("cramps", "0003_handout_renders"), ("cramps", "0004_merge_tags_by_ascii_slug")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    content_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="cramps", model="article"
    )[0]
    OldArticle, OldTag = old.get_model("cramps", "Article"), old.get_model("taggit", "Tag")
    OldItem = old.get_model("taggit", "TaggedItem")
    first = OldArticle.objects.create(title="First", slug="first", status="published")
    second = OldArticle.objects.create(title="Second", slug="second", status="published")
    tags = [
        OldTag.objects.create(name="Magnésium", slug="magnésium"),
        OldTag.objects.create(name="magnesium", slug="magnesium"),
        OldTag.objects.create(name=" MAGNESIUM  ", slug="magnesium_1"),
        OldTag.objects.create(name="Sleep  problems", slug="magnesium_2"),
    ]
    for article, tag in [(first, tags[0]), (first, tags[1]), (second, tags[2]), (second, tags[3])]:
        OldItem.objects.create(tag=tag, content_type=content_type, object_id=article.pk)

    executor.loader.build_graph()
    executor.migrate([after])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert sorted(Tag.objects.values_list("name", "slug")) == [
        ("Magnésium", "magnesium"), ("Sleep problems", "sleep-problems"),
    ]  # fmt: skip
    magnesium = Tag.objects.get(slug="magnesium")
    assert sorted(Article.objects.filter(tags=magnesium).values_list("slug", flat=True)) == [
        "first",
        "second",
    ]
    assert TaggedItem.objects.count() == 3


def test_a_tag_page_lists_the_published_pages_of_each_kind_carrying_it(client):
    # An article and a nutrient with the same id: only the one carrying the tag is listed.
    nutrient = make_nutrient(title="Tagged nutrient", tags=["dialysis"])
    article = make_article(title="Untagged article", tags=["other"])
    Article.objects.filter(pk=article.pk).update(id=nutrient.pk)
    make_article(title="Tagged article", tags=["dialysis"])
    make_article(title="Draft article", tags=["dialysis"], status="draft")

    page = client.get("/tags/dialysis/").content.decode()

    assert "Tagged nutrient" in page and "Tagged article" in page
    assert "Untagged article" not in page and "Draft article" not in page
