"""``updated`` ("Last updated", and the key of caches) moves exactly when a page's content changes."""

import pytest

from cramps.models import Article
from cramps.services import document_refresh

from .factories import make_article, make_nutrient

pytestmark = pytest.mark.django_db


def stamp(document) -> object:
    return type(document).objects.values_list("updated", flat=True).get(pk=document.pk)


@pytest.fixture
def article():
    return make_article(
        title="Night cramps", key_points=["One.", "Two."], faqs=[("Q?", "A.")], tags=["dialysis"]
    )


def test_a_save_that_changes_nothing_keeps_the_stamp(article):
    before = stamp(article)

    Article.objects.get(pk=article.pk).save()
    document_refresh(document=Article.objects.get(pk=article.pk))
    article.tags.set(["dialysis"])

    assert stamp(article) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda a: setattr(a, "title", "New") or a.save(),
        lambda a: [a.key_points.filter(position=0).update(text="x"), a.key_points.first().save()],
        lambda a: [setattr(p, "text", "Changed.") or p.save() for p in a.key_points.all()[:1]],
        lambda a: a.key_points.create(text="Three.", position=3),
        lambda a: a.key_points.first().delete(),
        lambda a: a.faqs.all().delete(),
        lambda a: a.tags.add("pregnancy"),
        lambda a: a.tags.remove("dialysis"),
        lambda a: a.tags.clear(),
        lambda a: a.related_nutrients.add(make_nutrient()),
    ],
    ids=["field", "row saved after a raw update", "row", "new row", "deleted row", "deleted rows",
         "tag added", "tag removed", "tags cleared", "related nutrient"],
)  # fmt: skip
def test_any_change_to_what_readers_see_moves_the_stamp(article, change):
    before = stamp(article)

    change(Article.objects.get(pk=article.pk))

    assert stamp(article) > before


def test_an_unchanged_save_does_not_overwrite_a_newer_stamp(article):
    """A page loaded before its rows changed, then saved unchanged, keeps the rows' newer stamp."""
    loaded = Article.objects.get(pk=article.pk)
    point = Article.objects.get(pk=article.pk).key_points.first()
    point.text = "Changed."
    point.save()
    moved = stamp(article)

    loaded.save()

    assert stamp(article) == moved


@pytest.mark.parametrize("make", [make_article, make_nutrient])
def test_a_recorded_review_shows_on_the_page_and_its_handout(client, make):
    from cramps.handouts.document import handout_html

    document = make(title="Zinc", medical_reviewer="Dr Z, MD", reviewed_on="2026-03-04")
    unreviewed = make(title="Copper")

    page = client.get(document.get_absolute_url()).content.decode()
    handout = handout_html(
        parts=[type(document).objects.get(pk=document.pk)], paper="a4", site_url="http://x/"
    )

    for text in (page, handout):
        assert "Medically reviewed by Dr Z, MD on" in text and "4 March 2026" in text
    assert "reviewed by" not in client.get(unreviewed.get_absolute_url()).content.decode()
