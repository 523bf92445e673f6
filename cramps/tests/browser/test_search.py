"""A reader finds a nutrient by another name from the search box in the page header."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [375, 1280])
def test_a_reader_searches_cobalamin_and_opens_vitamin_b12(page, live_server, width):
    call_command("load_demo", "--no-user", stdout=StringIO())
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/articles/")

    page.get_by_label("Search the site").fill("cobalamin")
    page.get_by_label("Search the site").press("Enter")

    page.wait_for_url("**/search/?q=cobalamin")
    first = page.locator(".search-result").first
    assert first.locator("h2").inner_text() == "Vitamin B12"
    assert "cobalamin" in first.locator("mark").first.inner_text().lower()
    first.locator("h2 a").click()
    page.wait_for_url("**/nutrients/vitamin-b12/")
    assert page.locator("h1").inner_text() == "Vitamin B12"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
