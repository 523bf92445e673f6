"""An editor picks a reference from the search box and its key is typed into the text."""

import pytest

from cramps.tests.factories import make_reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_picking_a_reference_inserts_its_key_at_the_cursor(page, live_server, django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "secret-pw-123")
    make_reference(key="rude1998", title="Magnesium deficiency", authors=[{"family": "Rude", "given": "RK"}])
    page.goto(live_server.url + "/admin/login/?next=/admin/cramps/article/add/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "secret-pw-123")
    page.click("input[type=submit]")

    page.fill("#id_body", "Magnesium matters. ")
    page.locator("#id_body").press("End")
    page.locator(".field-cite .select2-selection").click()
    page.locator(".select2-search__field[aria-controls='select2-id_cite-results']").fill("Rude")
    page.locator(".select2-results__option", has_text="rude1998").click()

    assert page.input_value("#id_body") == "Magnesium matters. [@rude1998]"
