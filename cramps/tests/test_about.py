"""The About / editorial policy page (``cramps.about``): shown, linked from every footer, edited in the admin."""

import pytest
from django.core.management import call_command

from cramps.about import DEMO_TEXT, SECTIONS, AboutPage, about_page_demo

from .factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("boss", "boss@example.com", "pw")
    client.force_login(user)
    return client


def test_the_page_shows_every_written_section(client):
    about_page_demo()
    html = client.get("/about/").content.decode()
    for _name, heading in SECTIONS:
        assert heading in html
    assert "medical reviewer" in html


def test_before_anyone_writes_it_the_page_says_so(client):
    response = client.get("/about/")
    assert response.status_code == 200
    assert "has not been written yet" in response.content.decode()


def test_every_footer_links_to_it(client):
    make_article(title="Cramps", slug="cramps")
    for url in ("/", "/articles/cramps/", "/search/?q=cramps", "/references/", "/about/", "/no-such-page/"):
        assert 'href="/about/"' in client.get(url).content.decode(), url


def test_the_demo_text_never_replaces_an_edited_page(client):
    AboutPage(contact="Write to us.").save()
    assert about_page_demo() is False
    assert AboutPage.load().contact == "Write to us."


def test_editors_change_it_in_the_admin_and_markdown_is_sanitised(admin_client, client):
    about_page_demo()
    assert admin_client.get("/admin/cramps/aboutpage/").url == "/admin/cramps/aboutpage/1/change/"
    form = {**DEMO_TEXT, "funding": "Funded by **readers**. <script>alert(1)</script>"}
    response = admin_client.post("/admin/cramps/aboutpage/1/change/", form)
    assert response.status_code == 302
    html = client.get("/about/").content.decode()
    assert "Funded by <strong>readers</strong>." in html
    assert "<script>alert(1)" not in html
    assert AboutPage.objects.count() == 1


def test_there_is_one_about_page_and_it_cannot_be_deleted(admin_client):
    assert admin_client.get("/admin/cramps/aboutpage/").url == "/admin/cramps/aboutpage/add/"
    admin_client.post("/admin/cramps/aboutpage/add/", {**DEMO_TEXT})
    assert AboutPage.objects.count() == 1
    assert admin_client.get("/admin/cramps/aboutpage/add/").status_code == 403
    assert admin_client.get("/admin/cramps/aboutpage/1/delete/").status_code == 403


def test_load_demo_writes_it_once(tmp_path):
    call_command("load_demo", "--no-user", stdout=open(tmp_path / "out", "w"))
    assert AboutPage.load().pk and AboutPage.load().review == DEMO_TEXT["review"]
