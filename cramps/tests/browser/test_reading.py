"""A reader's view in a real browser: phone layout, no script errors (citations: test_citations.py)."""

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
