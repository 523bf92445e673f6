"""An editor imports a real Rayyan export: the preview names each warning, and confirming imports it all."""

from pathlib import Path

import pytest

from references.models import Reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAMPLES = Path(__file__).resolve().parents[3] / "references" / "tests" / "samples"


def test_upload_preview_warnings_and_confirm(page, live_server, django_user_model, tmp_path):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "secret-pw-123")
    page.goto(live_server.url + "/admin/login/?next=/admin/references/reference/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "secret-pw-123")
    page.click("input[type=submit]")

    page.click("a.import_link")
    page.set_input_files("#id_import_file", str(SAMPLES / "ris" / "asreview-rayyan-endnote.ris"))
    page.click("input[value=Preview]")

    assert "19 new, 0 to update" in page.text_content(".import-totals")
    warnings = page.locator("table.import-warnings tbody tr")
    assert warnings.count() == 3
    assert warnings.first.text_content().startswith("5“Quarterly change”URL<Go to ISI>://WOS:000298449100001")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(tmp_path / "import-preview.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # the preview fits the window

    page.click("input[name=confirm]")

    assert "Import finished: 19 new" in page.text_content(".messagelist")
    assert Reference.objects.count() == 19
