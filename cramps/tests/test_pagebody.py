"""Stored page bodies: a page is shown from one row, and whatever path changes what it shows, readers see the change."""

import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from cramps import pagebody
from cramps.models import Article, FoodSource, KeyPoint, Nutrient, PageBody, SiteVersion, Status
from references.models import Reference

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def page():
    make_reference(key="rude1998", title="Magnesium deficiency and cramps")
    nutrient = make_nutrient(
        title="Magnesium", slug="magnesium", body="A mineral [@rude1998].", foods=[("Almonds", "80 mg", "")]
    )
    article = make_article(
        title="Night cramps",
        slug="night",
        body="Text [@rude1998].",
        key_points=["Stretch first."],
        tags=["sleep"],
    )
    article.related_nutrients.add(nutrient)
    return article


def text_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_a_page_seen_once_is_then_read_from_one_row(client, page):
    first = queries_for(client, page.get_absolute_url())
    # The document joined with its stored page (and the documents version): nothing rendered.
    assert queries_for(client, page.get_absolute_url()) == 1 < first
    assert PageBody.objects.exclude(stamp="").exclude(page="").count() == 1


def test_signed_in_users_get_the_page_rendered_from_its_body_and_related_lists(admin_client, page):
    queries_for(admin_client, page.get_absolute_url())
    # The session and the user, the document joined with its stored body, then one query per
    # related list (the page cache, off here, would keep those); nothing stored for readers.
    assert queries_for(admin_client, page.get_absolute_url()) == 5


# Each way of changing what the page shows returns a text the page must then show.
def _edit_title(article):
    article.title = "Cramps at night"
    article.save()
    return "Cramps at night"


def _edit_cited_reference(article):
    reference = Reference.objects.get(key="rude1998")
    reference.title = "Serum magnesium in leg cramps"
    reference.save()
    return "Serum magnesium in leg cramps"


def _add_key_point(article):
    KeyPoint.objects.create(article=article, position=5, text="Drink water before bed.")
    return "Drink water before bed."


def _add_tag(article):
    article.tags.add("hydration")
    return "hydration"


def _rename_tag(article):
    tag = Tag.objects.get(name="sleep")
    tag.name = "sleep hygiene"
    tag.save()
    return "sleep hygiene"


@pytest.mark.parametrize(
    "change",
    [_edit_title, _edit_cited_reference, _add_key_point, _add_tag, _rename_tag],
    ids=lambda f: f.__name__,
)
def test_every_change_to_what_a_page_shows_reaches_its_stored_body(client, page, change):
    url = page.get_absolute_url()
    text_of(client, url)
    expected = change(page)
    assert expected in text_of(client, Article.objects.get(pk=page.pk).get_absolute_url())


def test_a_deleted_inline_row_leaves_the_stored_body(client, page):
    nutrient = Nutrient.objects.get(slug="magnesium")
    assert "Almonds" in text_of(client, nutrient.get_absolute_url())
    FoodSource.objects.filter(nutrient=nutrient).delete()
    assert "Almonds" not in text_of(client, nutrient.get_absolute_url())


def test_changes_no_signal_announced_are_shown_after_check_citations_fix(client, page):
    text_of(client, page.get_absolute_url())
    Article.objects.filter(pk=page.pk).update(title="Changed behind the signals")
    call_command("check_citations", "--fix", stdout=open("/dev/null", "w"))
    assert "Changed behind the signals" in text_of(client, page.get_absolute_url())


def test_a_body_rendered_from_rows_read_before_a_change_is_not_stored(client, page):
    """A reader that loaded the page, then lost the race to an editor's save, does not keep its render."""
    text_of(client, page.get_absolute_url())
    reader = pagebody.with_body(Article.objects.filter(pk=page.pk)).get()
    reader.body_stamp = None  # as if the stored body had been stale when the reader read it
    editor = Article.objects.get(pk=page.pk)
    editor.body = "Text [@rude1998] about potassium."
    editor.save()

    rendered = pagebody.body_of(RequestFactory().get(page.get_absolute_url()), reader).html({})

    assert "about potassium" not in rendered
    assert "about potassium" in text_of(client, page.get_absolute_url())


def test_a_scheduled_page_going_public_is_shown_with_its_public_metadata(client, staff_client, page):
    Article.objects.filter(pk=page.pk).update(
        status=Status.PUBLISHED, publish_at=timezone.now() + timezone.timedelta(days=1)
    )
    preview = text_of(staff_client, page.get_absolute_url())
    assert "application/ld+json" not in preview
    # Time passes (no save): the stored preview body is not what readers get.
    Article.objects.filter(pk=page.pk).update(publish_at=timezone.now() - timezone.timedelta(minutes=1))
    assert "application/ld+json" in text_of(client, page.get_absolute_url())


def test_a_deleted_page_takes_its_stored_body_with_it(client, page):
    text_of(client, page.get_absolute_url())
    page.delete()
    assert not PageBody.objects.filter(object_id=page.pk, content_type__model="article").exists()


# The whole page kept for readers: its related lists show other pages.


def test_a_new_page_sharing_a_tag_shows_on_a_kept_page(client, page):
    text_of(client, page.get_absolute_url())
    assert queries_for(client, page.get_absolute_url()) == 1

    make_article(title="Sleep position and cramps", slug="sleep-position", body="Text.", tags=["sleep"])

    assert "Sleep position and cramps" in text_of(client, page.get_absolute_url())


def test_a_kept_page_ends_when_a_page_it_would_list_goes_public(client, page):
    publish_at = timezone.now() + timezone.timedelta(seconds=1.5)
    make_article(title="Scheduled sleep page", slug="scheduled", body="Text.", tags=["sleep"],
                 publish_at=publish_at)  # fmt: skip
    assert "Scheduled sleep page" not in text_of(client, page.get_absolute_url())
    assert queries_for(client, page.get_absolute_url()) == 1

    time.sleep(max(0.0, (publish_at - timezone.now()).total_seconds()) + 0.1)

    assert "Scheduled sleep page" in text_of(client, page.get_absolute_url())


def test_a_page_rendered_from_rows_read_before_a_change_is_not_kept(client, page):
    url = page.get_absolute_url()
    text_of(client, url)
    for change in (_edit_title, _edit_cited_reference, _add_related_page):
        reader = pagebody.with_page(Article.objects.filter(pk=page.pk)).get()
        request = RequestFactory().get(url)
        request.user = AnonymousUser()
        expected = change(page)

        pagebody.kept(request, reader, lambda: HttpResponse("<p>Rendered before the change</p>"))

        shown = text_of(client, url)
        assert "Rendered before the change" not in shown and expected in shown, change.__name__


def _add_related_page(article):
    make_nutrient(title="Potassium", slug="potassium", body="A mineral.", tags=["sleep"])
    return "Potassium"


def test_a_page_asked_for_with_a_query_string_is_rendered_and_not_kept(client, page):
    url = page.get_absolute_url()
    text_of(client, url + "?utm_source=leaflet")
    assert not PageBody.objects.exclude(page="").exists()
    text_of(client, url)
    assert queries_for(client, url + "?utm_source=leaflet") > 1


def test_the_documents_version_row_is_made_again_if_lost(client, page):
    SiteVersion.objects.all().delete()
    text_of(client, page.get_absolute_url())
    assert not PageBody.objects.exclude(page="").exists()  # nothing to check a kept page against

    make_article(title="Another sleep page", slug="another", body="Text.", tags=["sleep"])

    assert SiteVersion.objects.get(name=SiteVersion.DOCUMENTS).version > 0
    assert "Another sleep page" in text_of(client, page.get_absolute_url())
    assert queries_for(client, page.get_absolute_url()) == 1


def test_a_page_holding_a_csrf_token_is_not_kept(client, page, settings, tmp_path):
    (tmp_path / "cramps").mkdir()
    (tmp_path / "cramps" / "article_detail.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ body }}'
        '<form method="post">{% csrf_token %}<button>Save</button></form>{% endblock %}'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]

    first = client.get(page.get_absolute_url())

    assert "csrfmiddlewaretoken" in first.content.decode()
    assert not PageBody.objects.exclude(page="").exists()
