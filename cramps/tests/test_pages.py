"""What every public page sends: text escaped once, previews never cached, security headers."""

import re

import pytest

from cramps.models import Status

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db


def test_teasers_and_meta_descriptions_are_escaped_once(client):
    make_reference(key="x1")
    make_article(title="Folate", slug="folate", summary="B12 & folate: 2 < 3 [@x1].", tags=["b12"])
    make_nutrient(title="B12", slug="b12", summary="Eggs & fish.")

    for url in ("/", "/articles/", "/tags/b12/"):
        page = client.get(url).content.decode()
        assert "<p>B12 &amp; folate: 2 &lt; 3.</p>" in page, url
        assert "&amp;amp;" not in page and "&amp;lt;" not in page, url
    article = client.get("/articles/folate/").content.decode()
    assert '<meta name="description" content="B12 &amp; folate: 2 &lt; 3.">' in article
    assert (
        '<meta name="description" content="Eggs &amp; fish.">'
        in client.get("/nutrients/b12/").content.decode()
    )


def test_draft_previews_are_never_stored_by_a_cache(staff_client):
    make_article(title="Draft", slug="draft", status=Status.DRAFT)
    make_nutrient(title="Draft nutrient", slug="draft-nutrient", status=Status.REVIEW)
    make_article(title="Public", slug="public")

    for url in ("/articles/draft/", "/nutrients/draft-nutrient/"):
        response = staff_client.get(url)
        assert response.status_code == 200
        assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}, url
    assert "no-store" not in staff_client.get("/articles/public/").get("Cache-Control", "")


@pytest.mark.parametrize(
    "url", ["/", "/articles/public/", "/tags/", "/references/", "/handout/", "/nowhere/", "/admin/login/"]
)
def test_every_response_carries_the_content_security_policy_and_friends(client, url):
    make_article(title="Public", slug="public")

    response = client.get(url)

    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_a_nonce_in_a_page_is_the_one_in_its_policy(client):
    page = client.get("/admin/login/")

    nonces = set(re.findall(r'nonce="([^"]+)"', page.content.decode()))
    for nonce in nonces:
        assert f"'nonce-{nonce}'" in page["Content-Security-Policy"]
