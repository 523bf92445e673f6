"""Whole journeys through the demo site, as a reader and as an editor would take them."""

import io
from io import StringIO

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from cramps.models import Article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the handout store
    call_command("load_demo", "--no-user", stdout=StringIO())
    return live_server.url


def search_from_the_header(page, words: str) -> None:
    page.fill("#site-search-q", words)
    page.press("#site-search-q", "Enter")
    page.wait_for_url("**/search/?q=*")


def stored_pdf(page, url: str) -> PdfReader:
    response = page.request.get(url)
    for _ in range(60):  # "being prepared" (202) until the background render is stored
        if response.status == 200:
            break
        page.wait_for_timeout(500)
        response = page.request.get(url)
    assert response.headers["content-type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.body()))


def test_a_reader_finds_b12_by_another_name_follows_a_citation_and_takes_a_handout(page, demo):
    page.goto(demo + "/")
    search_from_the_header(page, "cobalamin")
    page.locator("main a", has_text="Vitamin B12").first.click()
    page.wait_for_url("**/nutrients/vitamin-b12/")

    first = page.locator("a.cite-ref").first
    occurrence, target = first.get_attribute("id"), first.get_attribute("href")
    page.goto(page.url.split("#")[0] + target)  # follow the number to its entry in the list
    page.locator(f"{target} a.backlink[href='#{occurrence}']").click()
    page.wait_for_url(f"**#{occurrence}")

    page.goto(demo + "/handout/")
    page.check("input[value='nutrient:vitamin-b12']")
    page.check("input[value='nutrient:magnesium']")
    with page.expect_request("**/handout.pdf?*") as request:
        page.click("button:has-text('Make my PDF')")
    pdf = stored_pdf(page, request.value.url)

    summary = " ".join(pdf.pages[0].extract_text().split())
    assert "Summary for your appointment" in summary
    assert "Vitamin B12" in summary and "Magnesium" in summary


def test_an_editor_publishes_an_article_and_readers_find_it_through_search(browser, demo, django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "secret-pw-123")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(demo + "/admin/login/?next=/admin/cramps/article/add/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "secret-pw-123")
    page.click("input[type=submit]")
    page.wait_for_selector(".live-preview")

    page.fill("#id_title", "Quinoa and night cramps")
    page.fill("#id_summary", "What the trials say [@garrison2020].")
    page.locator("#id_body").fill("## Evidence\n\nStretching helped in one trial [@hallegraeff2012].")
    page.locator(".live-preview li#ref-2").wait_for()
    page.locator("#id_status").select_option("published")
    page.locator("input[name=_save]").first.click()
    page.wait_for_selector(".messagelist")
    assert Article.objects.get(title="Quinoa and night cramps").is_public
    context.close()

    reader = browser.new_context().new_page()  # anonymous: what the public sees
    reader.goto(demo + "/")
    search_from_the_header(reader, "quinoa")
    reader.locator("main a", has_text="Quinoa and night cramps").first.click()
    reader.wait_for_url("**/articles/quinoa-and-night-cramps/")
    assert "Stretching helped in one trial [2]" in reader.locator(".prose").inner_text()
