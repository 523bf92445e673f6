"""Readers' pages under the Content-Security-Policy: nothing refused, and the "being prepared"
page reloads itself without any script."""

from io import StringIO

import pytest
from django.core.management import call_command

from .test_admin_csp import RECORD_VIOLATIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def reader_page(page):
    page.add_init_script(RECORD_VIOLATIONS)
    page.problems = []
    # Missing resources are reported by URL below (the browser's own favicon request aside).
    page.on("console", lambda message: message.type == "error" and not message.text.startswith("Failed to load")
            and page.problems.append(message.text))  # fmt: skip
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("response", lambda response: response.status >= 400 and not response.url.endswith("/favicon.ico")
            and page.problems.append(f"{response.status} {response.url}"))  # fmt: skip
    return page


def test_public_pages_cause_no_csp_violations(reader_page, live_server):
    call_command("load_demo", "--no-user", stdout=StringIO())
    problems = {}
    paths = [
        "/",
        "/nutrients/magnesium/",
        "/articles/",
        "/references/",
        "/references/garrison2020/",
        "/tags/",
        "/handout/",
    ]
    # Pages with a JSON-LD data block (no nonce: a data block is not a script), and search.
    paths += ["/articles/can-vitamin-b12-cause-leg-cramps/", "/search/?q=cobalamin"]
    for path in paths:
        reader_page.problems.clear()
        assert reader_page.goto(live_server.url + path).status == 200
        if found := reader_page.evaluate("window.__violations") + reader_page.problems:
            problems[path] = found

    assert problems == {}


def test_the_being_prepared_page_reloads_itself(reader_page, live_server, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    call_command("load_demo", "--no-user", stdout=StringIO())
    url = live_server.url + "/nutrients/magnesium/handout.pdf"

    first = reader_page.goto(url)
    again = reader_page.wait_for_event("response", lambda response: response.url == url, timeout=20_000)

    assert first.status == again.status == 202
    assert reader_page.locator("h1").inner_text() == "Your PDF is being prepared"
    assert reader_page.evaluate("window.__violations") == [] and reader_page.problems == []
