"""Handouts rendered in the background: publishing queues them, readers wait on a page that
refreshes, anonymous clients have a render budget, lost renders recover, unused ones go."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from cramps.handouts import keys, rendering, store
from cramps.models import Article, Handout, HandoutState, Status
from cramps.signals import document_published

from .factories import make_article, make_nutrient
from .test_handouts import pdf_pages

pytestmark = pytest.mark.django_db

QUEUE_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _store(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CRAMPS_HANDOUT_TIMEOUT = 60


@pytest.fixture
def renders():
    seen: list[str] = []

    def receiver(sender, key, **kwargs):
        seen.append(key)

    rendering.handout_rendered.connect(receiver)
    yield seen
    rendering.handout_rendered.disconnect(receiver)


def test_publishing_a_page_queues_its_handouts_for_every_paper(client, settings, renders):
    settings.CRAMPS_SITE_URL = "http://testserver"
    article = make_article(title="Night cramps", slug="night")

    document_published.send(sender=Article, document=article)

    assert len(renders) == 2
    assert sorted(Handout.objects.values_list("paper", "state")) == [("a4", "ready"), ("letter", "ready")]
    assert client.get("/articles/night/handout.pdf").status_code == 200
    assert client.get("/articles/night/handout.pdf?paper=letter").status_code == 200
    assert len(renders) == 2


def test_publishing_through_a_queryset_update_queues_the_published_version(settings, renders):
    settings.CRAMPS_SITE_URL = "http://testserver"
    article = make_article(title="Night cramps", slug="night", status=Status.DRAFT)
    Article.objects.filter(pk=article.pk).update(status=Status.PUBLISHED)

    document_published.send(sender=Article, document=article)  # the copy from before the update

    assert len(renders) == 2
    assert set(Handout.objects.values_list("state", flat=True)) == {HandoutState.READY}


def test_without_a_site_address_publishing_leaves_handouts_to_the_first_reader(settings, renders):
    settings.CRAMPS_SITE_URL = ""

    document_published.send(sender=Article, document=make_article(slug="night"))

    assert renders == [] and not Handout.objects.exists()


def test_handouts_print_the_site_address_when_it_is_set_not_the_request_host(client, settings):
    settings.CRAMPS_SITE_URL = "https://cramps.example.org"
    make_article(title="Night cramps", slug="night")

    text = "\n".join(pdf_pages(client.get("/articles/night/handout.pdf", HTTP_HOST="testserver")))

    assert "Cramps · https://cramps.example.org/articles/night/" in text
    assert "testserver" not in text


def test_a_queued_handout_shows_a_page_that_refreshes_itself(client, settings):
    settings.TASKS = QUEUE_ONLY
    article = make_article(title="Night cramps", slug="night")

    response = client.get("/articles/night/handout.pdf")

    assert response.status_code == 202
    assert response["Cache-Control"] == "no-store" and response["Retry-After"] == "3"
    page = response.content.decode()
    assert "The handout of “Night cramps” is being made." in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert '<a href="/articles/night/">Back to “Night cramps”</a>' in page
    assert "<script" not in page
    assert Handout.objects.get().parts == [["cramps.article", article.pk]]


def test_anonymous_clients_have_a_budget_of_new_renders(settings, staff_client):
    settings.TASKS = QUEUE_ONLY
    settings.CRAMPS_HANDOUT_RENDER_RATE = "2/h"
    for slug in ("a", "b", "c"):
        make_article(title=slug.upper(), slug=slug)
    url = "/handout.pdf?items=article:{},article:{}"
    client = Client()

    assert client.get(url.format("a", "b")).status_code == 202
    assert client.get(url.format("b", "a")).status_code == 202
    # Asking again for a handout already queued starts nothing new, so costs nothing.
    assert client.get(url.format("a", "b")).status_code == 202
    refused = client.get(url.format("a", "c"))

    assert refused.status_code == 429
    assert "Too many new PDFs in a short time" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 3600 + 5
    assert Handout.objects.count() == 2
    # Another address, and editors, have budgets of their own.
    assert Client(REMOTE_ADDR="192.0.2.7").get(url.format("a", "c")).status_code == 202
    assert staff_client.get(url.format("c", "a")).status_code == 202
    assert Handout.objects.count() == 4


def test_stored_handouts_are_served_to_a_client_over_its_budget(client, settings):
    settings.TASKS = QUEUE_ONLY
    settings.CRAMPS_HANDOUT_RENDER_RATE = "1/h"
    stored = make_article(title="Stored", slug="stored")
    make_article(title="Other", slug="other")
    key = keys.handout_key(parts=[stored], paper="a4", site_url="http://testserver/")
    store.pdf_save(key=key, pdf=b"%PDF-1.7 stored")
    Handout.objects.create(key=key, parts=Handout.parts_spec([stored]), paper="a4",
                           site_url="http://testserver/", state=HandoutState.READY, size=15,
                           rendered_at=timezone.now())  # fmt: skip
    client.get("/handout.pdf?items=article:other,article:stored")
    assert client.get("/articles/other/handout.pdf").status_code == 429

    response = client.get("/articles/stored/handout.pdf")

    assert response.status_code == 200 and response.getvalue() == b"%PDF-1.7 stored"


def test_a_render_that_lost_its_worker_is_queued_again(client, renders):
    article = make_article(title="Night cramps", slug="night")
    key = keys.handout_key(parts=[article], paper="a4", site_url="http://testserver/")
    Handout.objects.create(key=key, parts=Handout.parts_spec([article]), paper="a4",
                           site_url="http://testserver/", state=HandoutState.RENDERING,
                           started_at=timezone.now() - timedelta(minutes=10))  # fmt: skip

    response = client.get("/articles/night/handout.pdf")

    assert response.status_code == 200 and len(renders) == 1
    assert Handout.objects.get().state == HandoutState.READY


def test_a_stored_handout_missing_from_storage_is_rendered_again(client, renders):
    make_article(title="Night cramps", slug="night")
    first = client.get("/articles/night/handout.pdf")
    store.pdf_delete(first["ETag"].strip('"'))

    waiting = client.get("/articles/night/handout.pdf")
    again = client.get("/articles/night/handout.pdf")

    assert waiting.status_code == 202
    assert again.status_code == 200 and again["ETag"] == first["ETag"]
    assert len(renders) == 2


def test_renders_prune_handouts_nobody_uses(client, settings):
    settings.CRAMPS_HANDOUT_KEEP_DAYS = 30
    article = make_article(title="Night cramps", slug="night")
    old, orphan = "0" * 64, "f" * 64
    for key in (old, orphan):
        store.pdf_save(key=key, pdf=b"%PDF-1.7 old")
    Handout.objects.create(key=old, parts=Handout.parts_spec([article]), paper="a4", site_url="http://testserver/",
                           state=HandoutState.READY, last_used=timezone.now() - timedelta(days=40))  # fmt: skip
    make_nutrient(title="Magnesium", slug="magnesium")

    assert client.get("/nutrients/magnesium/handout.pdf").status_code == 200

    (current,) = Handout.objects.all()
    assert store.stored_keys() == {current.key}


def test_the_store_uses_only_the_storage_api(client, settings, renders, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    make_article(title="Night cramps", slug="night")

    first = client.get("/articles/night/handout.pdf")
    second = client.get("/articles/night/handout.pdf")

    assert first.status_code == second.status_code == 200
    assert second.getvalue() == first.getvalue() and len(renders) == 1
    assert default_storage.exists(f"handouts/{first['ETag'].strip(chr(34))}.pdf")
    assert not (tmp_path / "media").exists()
