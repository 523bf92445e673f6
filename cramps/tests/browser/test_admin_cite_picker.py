"""An editor picks references from the search box and their keys are cited in the text."""

import pytest

from cramps.tests.factories import make_reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def editor_page(page, live_server, django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "secret-pw-123")
    make_reference(key="rude1998", title="Magnesium deficiency", authors=[{"family": "Rude", "given": "RK"}])
    make_reference(key="wester1987", title="Magnesium", authors=[{"family": "Wester", "given": "PO"}])
    page.goto(live_server.url + "/admin/login/?next=/admin/cramps/article/add/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "secret-pw-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#id_body")
    return page


def pick(page, search: str, key: str) -> None:
    page.locator(".field-cite .select2-selection").click()
    page.locator(".select2-search__field[aria-controls='select2-id_cite-results']").fill(search)
    page.locator(".select2-results__option", has_text=key).click()


def test_picking_references_in_a_row_cites_them_in_one_group(editor_page):
    page = editor_page
    page.fill("#id_body", "Magnesium matters. ")
    page.locator("#id_body").press("End")

    pick(page, "Rude", "rude1998")
    assert page.input_value("#id_body") == "Magnesium matters. [@rude1998]"

    pick(page, "Wester", "wester1987")
    assert page.input_value("#id_body") == "Magnesium matters. [@rude1998; @wester1987]"

    pick(page, "Rude", "rude1998")  # already in the group: nothing twice
    assert page.input_value("#id_body") == "Magnesium matters. [@rude1998; @wester1987]"


CASES = [
    ("Cramps. ", 8, "Cramps. [@new]"),
    ("Cramps [@a].", 11, "Cramps [@a; @new]."),
    ("Cramps [@a].", 7, "Cramps [@new; @a]."),
    ("Cramps [@a].", 9, "Cramps [@a; @new]."),
    ("Cramps [see @a, p. 4] too", 12, "Cramps [see @a, p. 4; @new] too"),
    ("Cramps [@a] too", 12, "Cramps [@a] [@new]too"),
    ("A [link](https://x.org) here", 23, "A [link](https://x.org)[@new] here"),
    ("Cramps [@new; @a].", 17, "Cramps [@new; @a]."),
]


def test_the_key_joins_the_group_at_or_next_to_the_cursor(editor_page):
    results = editor_page.evaluate(
        "(cases) => cases.map(([text, cursor]) => citeAt(text, cursor, cursor, 'new').text)", CASES
    )

    assert results == [expected for _, _, expected in CASES]
