"""The admin works under the Content-Security-Policy: no inline script or style is refused,
and the widgets that need script (cite picker, autocompletes, collapsible sections) work."""

import pytest
from reversion.models import Version

from cramps.tests.factories import make_article, make_nutrient, make_reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def editor_page(page, live_server, django_user_model):
    """A browser logged in to the admin as a superuser, recording CSP violations and errors."""
    django_user_model.objects.create_superuser("boss", "boss@example.com", "secret-pw-123")
    page.add_init_script(RECORD_VIOLATIONS)
    page.problems = []
    page.on("console", lambda message: message.type == "error" and page.problems.append(message.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "secret-pw-123")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    return page


def visit(page, url: str) -> list[str]:
    """Open ``url``; the CSP violations and script errors it caused."""
    page.problems.clear()
    response = page.goto(url)
    assert response.status == 200, url
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__violations") + page.problems


def test_admin_pages_cause_no_csp_violations(editor_page, live_server):
    make_reference(key="rude1998")
    article = make_article(title="Night cramps", slug="night", body="Text [@rude1998].", tags=["sleep"])
    nutrient = make_nutrient(title="Magnesium", slug="magnesium")
    base = live_server.url + "/admin/"
    urls = [
        "", "cramps/article/", "cramps/article/add/", f"cramps/article/{article.pk}/change/",
        f"cramps/nutrient/{nutrient.pk}/change/", "references/reference/", "references/reference/add/",
        "references/reference/import/", "references/reference/lookup/", "cramps/article/import-content/",
        "references/reference/export/", "taggit/tag/", "auth/user/",
        f"cramps/article/{article.pk}/history/", "cramps/article/recover/", "references/reference/recover/",
    ]  # fmt: skip
    article.title = "Night cramps and sleep"
    article.save()
    older, newer = Version.objects.get_for_object(article).order_by("pk")[:2]
    urls += [
        f"cramps/article/{article.pk}/history/{older.pk}/",
        f"cramps/article/{article.pk}/history/compare/?from={older.pk}&to={newer.pk}",
    ]

    problems = {url: found for url in urls if (found := visit(editor_page, base + url))}

    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())


def test_autocomplete_and_collapsible_sections_work_under_the_policy(editor_page, live_server):
    make_nutrient(title="Magnesium", slug="magnesium")
    article = make_article(title="Night cramps", slug="night")
    editor_page.goto(f"{live_server.url}/admin/cramps/article/{article.pk}/change/")

    editor_page.locator(".field-related_nutrients .select2-selection").click()
    editor_page.locator(".select2-search__field").last.fill("Magn")
    editor_page.locator(".select2-results__option", has_text="Magnesium").click()
    editor_page.locator("summary", has_text="Preview").click()

    assert editor_page.locator(".cramps-preview").is_visible()
    assert (
        editor_page.evaluate("getComputedStyle(document.querySelector('.cramps-preview')).maxWidth") != "none"
    )
    editor_page.locator("input[name=_continue]").first.click()
    editor_page.wait_for_load_state()
    assert list(article.related_nutrients.values_list("slug", flat=True)) == ["magnesium"]
    assert editor_page.evaluate("window.__violations") == []


def test_the_export_page_select_all_toggle_works(editor_page, live_server):
    make_reference(key="rude1998")
    assert visit(editor_page, live_server.url + "/admin/references/reference/export/") == []
    fields = editor_page.locator(".selectable-field-export-row input[type=checkbox]:visible")
    assert fields.count() > 1

    editor_page.locator("input.select-toggle:visible").first.uncheck()

    assert [fields.nth(n).is_checked() for n in range(fields.count())] == [False] * fields.count()
