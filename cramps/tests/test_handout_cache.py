"""Stored handouts with the shared cache on: served without recomputing their key, and never stale."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .factories import make_article, make_reference

pytestmark = pytest.mark.django_db

URL = "/articles/night/handout.pdf"


@pytest.fixture(autouse=True)
def _cache_on(settings, tmp_path):
    settings.CRAMPS_PAGE_CACHE_SECONDS = 600
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def article():
    make_reference(key="rude1998", title="Magnesium deficiency and cramps")
    return make_article(title="Night cramps", slug="night", body="Text [@rude1998].", key_points=["Stretch."])


def count(client, url: str, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def test_a_304_for_a_stored_handout_takes_at_most_one_query(client, article):
    first = client.get(URL)
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"

    # A new address for the same PDF: the page cache has no entry, the view answers.
    response, queries = count(client, URL + "?paper=a4", if_none_match=first["ETag"])

    assert response.status_code == 304 and response["ETag"] == first["ETag"]
    assert queries <= 1


def test_a_stored_handout_is_served_again_without_a_query(client, article):
    first = client.get(URL)
    again, queries = count(client, URL)

    assert (again.status_code, queries) == (200, 0)
    assert again.getvalue() == first.getvalue() and again["ETag"] == first["ETag"]
    assert "cookie" not in again.headers.get("Vary", "").lower()


def test_editing_a_cited_reference_or_an_inline_row_makes_a_new_handout(client, article):
    first = client.get(URL)["ETag"]
    reference = article.citations.get().reference
    reference.title = "Magnesium and leg cramps, revisited"
    reference.save()

    second = client.get(URL + "?paper=a4", headers={"if-none-match": first})
    assert second.status_code == 200 and second["ETag"] != first

    point = article.key_points.get()
    point.text = "Stretch the calf before bed."
    point.save()
    third = client.get(URL)
    assert third.status_code == 200 and third["ETag"] not in (first, second["ETag"])


STORAGES = {
    "memory": "django.core.files.storage.InMemoryStorage",
    "files": "django.core.files.storage.FileSystemStorage",
}


@pytest.fixture(params=list(STORAGES))
def storage(request, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": STORAGES[request.param]}}
    from django.core.files.storage import default_storage

    return default_storage


def test_the_store_works_through_the_storage_api_alone(storage):
    from cramps.handouts import store

    store.pdf_save(key="abc", pdf=b"%PDF-1 first")
    store.pdf_save(key="abc", pdf=b"%PDF-1 second")

    assert store.pdf_read("abc") == b"%PDF-1 second"
    assert store.stored_keys() == {"abc"}
    store.pdf_delete("abc")
    assert store.stored_keys() == set()
    with pytest.raises(FileNotFoundError):
        store.pdf_read("abc")


def test_a_handout_is_rendered_stored_and_served_on_either_storage(client, storage, article, settings):
    settings.CRAMPS_PAGE_CACHE_SECONDS = 0
    first = client.get(URL)
    again = client.get(URL)

    assert first.status_code == again.status_code == 200
    assert again.getvalue() == first.getvalue() and again.getvalue().startswith(b"%PDF")
    assert type(storage._wrapped).__name__ == STORAGES[storage_name(settings)].rsplit(".", 1)[1]


def storage_name(settings) -> str:
    backend = settings.STORAGES["default"]["BACKEND"]
    return next(name for name, path in STORAGES.items() if path == backend)
