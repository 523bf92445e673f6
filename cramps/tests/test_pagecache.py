"""The anonymous page cache: served again until what the page shows changes, never to staff."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cramps.models import Article, KeyPoint, Status
from references.models import Reference
from references.signals import references_written

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.CRAMPS_PAGE_CACHE_SECONDS = 600


def fetch(client, url: str, **headers):
    response = client.get(url, headers=headers)
    return response, response.headers.get("X-Page-Cache")


@pytest.fixture
def site():
    reference = make_reference(key="rude1998", title="Magnesium deficiency and cramps")
    make_reference(key="other2001", title="An unrelated trial")
    article = make_article(title="Night cramps", slug="night", body="Text [@rude1998].", tags=["sleep"])
    other = make_article(title="Other page", slug="other", body="Text [@other2001].")
    nutrient = make_nutrient(title="Magnesium", slug="magnesium", body="A mineral [@rude1998].")
    article.related_nutrients.add(nutrient)
    return {"reference": reference, "article": article, "other": other, "nutrient": nutrient}


PUBLIC = ["/", "/articles/", "/articles/night/", "/nutrients/magnesium/", "/references/",
          "/references/rude1998/", "/tags/", "/tags/sleep/", "/handout/"]  # fmt: skip


@pytest.mark.parametrize("url", PUBLIC)
def test_a_public_page_is_served_from_the_cache_without_a_query(client, site, url):
    first, state = fetch(client, url)
    assert (first.status_code, state) == (200, "miss")

    with CaptureQueriesContext(connection) as queries:
        second, state = fetch(client, url)

    assert (second.status_code, state) == (200, "hit")
    assert len(queries) == 0
    assert second.content == first.content


@pytest.mark.parametrize("url", PUBLIC)
def test_anonymous_responses_set_no_cookie_and_do_not_vary_on_cookies(client, site, url):
    for _ in range(2):
        response = client.get(url)
        assert response.cookies == {} and "Set-Cookie" not in response.headers
        assert "cookie" not in response.headers.get("Vary", "").lower()
        assert "no-cache" in response["Cache-Control"]
    assert client.cookies == {}


def test_editing_a_cited_reference_changes_the_cached_pages_that_cite_it(client, site):
    for url in PUBLIC + ["/articles/other/"]:
        fetch(client, url)
    reference = site["reference"]

    reference.title = "Magnesium and nocturnal leg cramps revisited"
    reference.save()

    for url in ["/articles/night/", "/nutrients/magnesium/", "/references/rude1998/", "/references/"]:
        response, state = fetch(client, url)
        assert state == "miss", url
        assert "nocturnal leg cramps revisited" in response.content.decode(), url
    # Pages that do not show the reference stay cached.
    for url in ["/articles/other/", "/", "/tags/sleep/"]:
        assert fetch(client, url)[1] == "hit", url


def test_a_reference_import_changes_the_pages_citing_what_it_updated(client, site):
    fetch(client, "/articles/night/")
    fetch(client, "/articles/other/")
    # As an import writes: bulk_update, then the signal.
    Reference.objects.filter(key="rude1998").update(title="Written in bulk", updated=timezone.now())
    references_written.send(Reference, created=[], updated=["rude1998"], user=None, source="test")

    response, state = fetch(client, "/articles/night/")
    assert state == "miss" and "Written in bulk" in response.content.decode()
    assert fetch(client, "/articles/other/")[1] == "hit"


def test_editing_a_page_changes_it_its_lists_and_the_pages_that_may_list_it(client, site):
    for url in PUBLIC + ["/articles/other/"]:
        fetch(client, url)
    article = site["article"]

    article.title = "Cramps at night"
    article.save()

    for url in ["/articles/night/", "/articles/", "/", "/tags/sleep/", "/nutrients/magnesium/", "/handout/"]:
        response, state = fetch(client, url)
        assert state == "miss", url
        assert "Cramps at night" in response.content.decode(), url
    # Its related lists may now list it (by a shared tag); the reference list shows no page.
    assert fetch(client, "/articles/other/")[1] == "miss"
    assert fetch(client, "/references/")[1] == "hit"


def test_inline_rows_and_tags_change_the_cached_page(client, site):
    fetch(client, "/articles/night/")
    KeyPoint.objects.create(article=site["article"], position=0, text="Stretch before bed.")
    response, state = fetch(client, "/articles/night/")
    assert state == "miss" and "Stretch before bed." in response.content.decode()

    fetch(client, "/tags/")
    site["article"].tags.add("pregnancy")
    response, state = fetch(client, "/articles/night/")
    assert state == "miss" and "pregnancy" in response.content.decode()
    assert "pregnancy" in fetch(client, "/tags/")[0].content.decode()


def test_unlinking_a_related_page_changes_both_pages(client, site):
    fetch(client, "/articles/night/")
    fetch(client, "/nutrients/magnesium/")
    site["article"].related_nutrients.remove(site["nutrient"])

    assert fetch(client, "/articles/night/")[1] == "miss"
    response, state = fetch(client, "/nutrients/magnesium/")
    assert state == "miss" and "Night cramps" not in response.content.decode()


def test_staff_never_get_a_cached_page(staff_client, site):
    client = Client()
    fetch(client, "/articles/night/")
    # A change no receiver hears of: only a fresh render shows it.
    Article.objects.filter(pk=site["article"].pk).update(title="Changed behind the cache")

    anonymous, state = fetch(client, "/articles/night/")
    staff, staff_state = fetch(staff_client, "/articles/night/")

    assert state == "hit" and "Changed behind the cache" not in anonymous.content.decode()
    assert staff_state is None and "Changed behind the cache" in staff.content.decode()
    # Nor does what staff see get stored for readers.
    assert fetch(client, "/articles/night/")[0].content == anonymous.content


def test_a_staff_preview_is_not_stored(staff_client):
    client = Client()
    make_article(title="Draft page", slug="draft", status=Status.DRAFT)

    assert fetch(staff_client, "/articles/draft/")[0].status_code == 200
    assert fetch(client, "/articles/draft/")[0].status_code == 404


def test_a_conditional_get_answers_304_without_rendering(client, site):
    first, _ = fetch(client, "/articles/night/")
    assert first["ETag"] and first["Last-Modified"]

    with CaptureQueriesContext(connection) as queries:
        by_etag, _ = fetch(client, "/articles/night/", if_none_match=first["ETag"])
        by_date, _ = fetch(client, "/articles/night/", if_modified_since=first["Last-Modified"])

    assert (by_etag.status_code, by_date.status_code) == (304, 304)
    assert by_etag.content == b"" and by_etag["ETag"] == first["ETag"]
    assert len(queries) == 0

    site["article"].body = "New text [@rude1998]."
    site["article"].save()
    changed, _ = fetch(client, "/articles/night/", if_none_match=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_head_is_answered_from_the_cache(client, site):
    get = client.get("/articles/night/")
    head = client.head("/articles/night/")

    assert head.status_code == 200 and head["X-Page-Cache"] == "hit"
    assert head["ETag"] == get["ETag"]


def test_unknown_query_parameters_bypass_the_cache(client, site):
    for _ in range(2):
        assert fetch(client, "/articles/night/?utm_source=mail")[1] is None
    assert fetch(client, "/articles/?page=1")[1] == "miss"
    assert fetch(client, "/articles/?page=1")[1] == "hit"
    assert fetch(client, "/references/?q=magnesium")[1] == "miss"
    assert fetch(client, "/references/?q=magnesium")[1] == "hit"


def test_a_scheduled_publication_ends_the_entries_it_would_change(client, site):
    publish_at = timezone.now() + timezone.timedelta(seconds=1.5)
    make_article(title="Scheduled page", slug="scheduled", publish_at=publish_at)
    assert "Scheduled page" not in fetch(client, "/articles/")[0].content.decode()
    assert fetch(client, "/articles/")[1] == "hit"

    time.sleep(max(0.0, (publish_at - timezone.now()).total_seconds()) + 0.1)

    response, state = fetch(client, "/articles/")
    assert state == "miss" and "Scheduled page" in response.content.decode()


def test_pages_are_not_cached_when_the_cache_is_off(client, site, settings):
    settings.CRAMPS_PAGE_CACHE_SECONDS = 0
    fetch(client, "/articles/night/")
    site["article"].title = "Fresh every time"
    site["article"].save()

    response, state = fetch(client, "/articles/night/")
    # Only the page kept in the database (``cramps.pagebody``), which the save marked stale.
    assert state is None and "Fresh every time" in response.content.decode()
    assert "cookie" not in response.headers.get("Vary", "").lower()


def test_a_new_page_sharing_a_tag_shows_on_the_cached_pages_it_relates_to(client, site):
    fetch(client, "/articles/night/")

    make_article(title="Sleep and cramps", slug="sleep-and-cramps", body="Text.", tags=["sleep"])

    response, state = fetch(client, "/articles/night/")
    assert state == "miss" and "Sleep and cramps" in response.content.decode()
