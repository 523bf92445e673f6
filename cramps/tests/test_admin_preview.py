"""The live preview endpoint: the page's own rendering of posted texts, for editors only."""

import pytest
from django.test import Client
from django.utils.html import strip_tags

from .factories import make_reference, make_user

pytestmark = pytest.mark.django_db

ARTICLE = "/admin/cramps/article/preview/"
NUTRIENT = "/admin/cramps/nutrient/preview/"


@pytest.fixture
def references():
    return [
        make_reference(key="garrison2020", title="Magnesium for skeletal muscle cramps"),
        make_reference(key="rude1998", title="Magnesium deficiency"),
    ]


def test_the_preview_numbers_citations_in_reading_order_and_lists_the_references(admin_client, references):
    response = admin_client.post(
        NUTRIENT,
        {"summary": "Mostly no benefit [@rude1998].", "evidence_rationale": "A review [@garrison2020].",
         "body": "## Trials\n\nSee [@garrison2020; @rude1998]."},
    )  # fmt: skip

    page = response.content.decode()
    text = " ".join(strip_tags(page).split())
    assert response.status_code == 200
    assert '<h2 id="sec-trials">Trials</h2>' in page
    assert "Mostly no benefit [1]. A review [2]." in text and "See [1,2]." in text
    assert page.count('<li id="ref-') == 2
    assert "Magnesium deficiency" in page and "errorlist" not in page


def test_the_preview_names_what_saving_would_refuse(admin_client, references):
    response = admin_client.post(
        ARTICLE, {"body": "Claim [@garison2020] and [@ rude1998]. <script>x</script>"}
    )

    page = response.content.decode()
    assert "Unknown citation key in this text: @garison2020 (did you mean @garrison2020?)" in page
    assert "is not read as a citation" in page
    assert "Readers would not get all of this text" in page
    assert "<script>x" not in page


def test_the_preview_is_sanitised_like_the_page(admin_client):
    page = admin_client.post(ARTICLE, {"body": '[x](javascript:alert(1)) <img src=x onerror="alert(1)">'})

    shown = page.content.decode().split('<div class="live-preview-page">')[1]
    assert 'href="javascript' not in shown and "onerror" not in shown and '<img src="x">' in shown


def test_the_preview_takes_only_posts_with_the_csrf_token(django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client = Client(enforce_csrf_checks=True)
    client.login(username="boss", password="pw")

    assert client.get(ARTICLE).status_code == 405
    assert client.post(ARTICLE, {"body": "Text"}).status_code == 403


def test_only_those_who_may_write_pages_may_preview(client):
    assert client.post(ARTICLE, {"body": "Text"}).status_code == 302  # to the login page
    client.force_login(make_user("reader", permissions=["view_article"]))
    assert client.post(ARTICLE, {"body": "Text"}).status_code == 403
    client.force_login(make_user("writer", "Writer"))
    assert client.post(ARTICLE, {"body": "Text"}).status_code == 200


def test_too_much_text_is_refused_with_a_reason(admin_client):
    response = admin_client.post(ARTICLE, {"body": "x" * 200_001})

    assert response.status_code == 400
    assert "Too much text to preview" in response.content.decode()


def test_the_change_form_offers_the_preview_only_where_the_body_is_editable(admin_client):
    page = admin_client.get("/admin/cramps/article/add/").content.decode()

    assert f'data-preview-url="{ARTICLE}"' in page
    assert "js/live-preview.js" in page
