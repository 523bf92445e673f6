"""A reader ticks references on the reference list and downloads them, in a real browser."""

from pathlib import Path

import pytest

from cramps.tests.factories import make_reference
from references.formats import FORMATS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_ticked_references_download_as_bibtex(browser, live_server):
    for key, title in [("roffe2002", "Magnesium citrate for leg cramps"), ("skipped", "Not wanted"),
                       ("garrison2020", "Magnesium for skeletal muscle cramps")]:  # fmt: skip
        make_reference(key=key, title=title)
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/references/")

    page.locator('input[name="keys"][value="garrison2020"]').check()
    page.locator('input[name="keys"][value="roffe2002"]').check()
    with page.expect_download() as download:
        page.get_by_role("button", name="BibTeX").click()

    path = Path(download.value.path())
    assert download.value.suggested_filename == "cramps-reading-list.bib"
    records = FORMATS["bibtex"].parse(path.read_bytes())
    assert [record["title"] for record in records] == [
        "Magnesium for skeletal muscle cramps",
        "Magnesium citrate for leg cramps",
    ]
    context.close()
