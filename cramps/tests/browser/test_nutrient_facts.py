"""Fact tables and comparisons in a real browser: a phone reads them without sideways scrolling,
and the admin's fact inlines fit a 1,280 px screen."""

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def demo_site(live_server):
    call_command("load_demo", "--no-user", stdout=StringIO())
    return live_server.url


@pytest.mark.parametrize(
    "path",
    [
        "/compare/?nutrients=magnesium,vitamin-b12,potassium",
        "/compare/?nutrients=magnesium,vitamin-b12,potassium,zinc",
        "/nutrients/zinc/",
        "/nutrients/vitamin-d/",
    ],
)
def test_fact_tables_and_comparisons_fit_a_375_px_phone(page, demo_site, path):
    page.set_viewport_size({"width": 375, "height": 812})
    errors = []
    page.on("pageerror", lambda error: errors.append(error))

    page.goto(demo_site + path)

    assert page.evaluate(SIDEWAYS) <= 0, f"{path} scrolls sideways on a phone"
    # Each cell names its column, since the header row is hidden on a phone.
    label = page.locator(".fact-table tbody td").first.evaluate(
        "cell => getComputedStyle(cell, '::before').content"
    )
    assert label not in ("none", "normal", '""')
    assert errors == []


def test_the_admin_fact_inlines_fit_a_1280_px_screen(page, demo_site):
    User.objects.create_superuser("boss", "boss@example.com", "pw-for-tests")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(demo_site + "/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "pw-for-tests")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.goto(demo_site + "/admin/cramps/nutrient/")
    page.click("#result_list >> text=Magnesium")
    page.wait_for_selector("#interactions-group")

    for group in ("intake_values-group", "food_sources-group", "forms-group", "interactions-group"):
        overflow = page.evaluate(f"(g => g.scrollWidth - g.clientWidth)(document.getElementById('{group}'))")
        assert overflow <= 0, f"{group} is wider than the form by {overflow}px"
    assert page.evaluate(SIDEWAYS) <= 0
