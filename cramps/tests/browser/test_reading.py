"""A reader's view in a real browser: phone layout, citation links, no script errors."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("load_demo", "--no-user", stdout=StringIO())
    return live_server.url


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/nutrients/magnesium/",
        "/articles/muscle-cramps-and-chemotherapy-induced-neuropathy/",
        "/references/",
    ],
)
def test_pages_fit_a_phone_screen(page, demo_site, path):
    page.set_viewport_size({"width": 360, "height": 740})
    errors = []
    page.on("pageerror", lambda error: errors.append(error))

    page.goto(demo_site + path)

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    assert errors == []


def test_a_citation_number_leads_to_its_reference_and_back(page, demo_site):
    page.goto(demo_site + "/nutrients/magnesium/")

    page.locator("sup.citation a").first.click()
    assert page.url.endswith("#ref-1")
    assert page.locator("#ref-1").is_visible()

    page.locator("#ref-1 a.backlink").click()
    assert page.url.endswith("#cite-1")
