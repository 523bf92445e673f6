"""A reader builds a two-part handout: nothing ticked is explained, the paper is kept, and the
PDF opens with the one-page summary."""

import io
from io import StringIO

import pytest
from django.core.management import call_command
from pypdf import PdfReader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def builder(page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the handout store
    call_command("load_demo", "--no-user", stdout=StringIO())
    page.goto(live_server.url + "/handout/")
    return page


def test_a_reader_builds_a_two_part_handout(builder):
    page = builder
    page.check("input[value=letter]")
    page.click("button:has-text('Make my PDF')")
    assert "Nothing was ticked" in page.locator("[role=alert]").inner_text()
    assert page.is_checked("input[value=letter]")

    page.check("input[value='nutrient:magnesium']")
    page.check("input[value='article:can-vitamin-b12-cause-leg-cramps']")
    with page.expect_request("**/handout.pdf?*") as request:
        page.click("button:has-text('Make my PDF')")
    response = page.request.get(request.value.url)
    for _ in range(60):  # "being prepared" (202) until the background render is stored
        if response.status == 200:
            break
        page.wait_for_timeout(500)
        response = page.request.get(request.value.url)
    assert response.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.body()))

    first = " ".join(pdf.pages[0].extract_text().split())
    assert "Summary for your appointment" in first
    assert "Magnesium" in first and "Can vitamin B12 cause leg cramps?" in first
    assert round(pdf.pages[0].mediabox.width) == 612  # US Letter, as chosen
