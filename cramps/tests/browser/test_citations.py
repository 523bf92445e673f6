"""Citations as a reader meets them on a phone: big enough to tap, a popover with the source,
named for screen readers, and a back-link to the very place they tapped."""

import os
from pathlib import Path

import pytest

from cramps.tests.factories import make_article, make_reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 375, "height": 740},
    "has_touch": True,
    "is_mobile": True,
    "device_scale_factor": 2,
}
DENSE = (
    "Low magnesium is common in people taking diuretics [@rude1998; @wester1987; @saris2000] and in "
    "heavy drinkers [@elisaf1998], but trials of supplements for night cramps disagree "
    "[see @garrison2020, pp. 12-15; also @roffe2002, fig. 2]. @roffe2002 found fewer cramps, while "
    "others found none [@garrison2020][@rude1998]."
)


@pytest.fixture
def cited_article(live_server):
    for key, family, year, pmid in [("rude1998", "Rude", 1998, "9556074"), ("wester1987", "Wester", 1987, ""),
                                    ("saris2000", "Saris", 2000, ""), ("elisaf1998", "Elisaf", 1998, ""),
                                    ("garrison2020", "Garrison", 2020, "32956536"), ("roffe2002", "Roffe", 2002, "")]:  # fmt: skip
        make_reference(key=key, title=f"A study by {family}", authors=[{"family": family, "given": "A"}],
                       issued_year=year, pmid=pmid, pages="1305-12")  # fmt: skip
    article = make_article(
        title="Magnesium and cramps", body=f"## What the studies say\n\n{DENSE}\n\n" + "More text.\n\n" * 40
    )
    return live_server.url + article.get_absolute_url()


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: CRAMPS_SCREENSHOTS to keep them, else a temporary folder."""
    return Path(os.environ.get("CRAMPS_SCREENSHOTS") or tmp_path)


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    yield page
    assert errors == []
    context.close()


def test_tapping_a_number_shows_its_source_and_the_back_link_returns_to_that_number(
    phone, cited_article, shots
):
    phone.goto(cited_article)
    # Rude 1998 is cited twice; tap the second one.
    second = phone.locator('a.cite-ref[href="#ref-1"]').nth(1)
    occurrence = second.get_attribute("id")
    assert occurrence == "cite-1-2"

    second.tap()

    popover = phone.locator(".cite-popover")
    popover.wait_for(state="visible")
    assert popover.get_attribute("role") == "dialog"
    assert "A study by Rude" in popover.inner_text()
    assert "1305\u201312" in popover.inner_text()
    assert popover.locator('a[href="https://pubmed.ncbi.nlm.nih.gov/9556074/"]').count() == 1
    assert phone.url == cited_article  # the tap did not jump away
    box = popover.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    phone.screenshot(path=str(shots / "citation-popover-375.png"))

    popover.locator("a.cite-popover-list").tap()
    phone.wait_for_url("**#ref-1")
    back = phone.locator("#ref-1 a.backlink")
    assert back.get_attribute("href") == f"#{occurrence}"

    back.tap()
    phone.wait_for_url(f"**#{occurrence}")
    assert phone.locator(f"#{occurrence}").evaluate(
        "node => { const box = node.getBoundingClientRect(); return box.top >= 0 && box.bottom <= innerHeight; }"
    )


def test_numbers_are_named_and_big_enough_to_tap(phone, cited_article):
    phone.goto(cited_article)

    links = phone.locator("a.cite-ref")
    assert links.count() == 8  # 1–3 shows two links, 2 is inside the range
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, (index, box)
    for index in range(phone.locator("a.backlink").count()):
        box = phone.locator("a.backlink").nth(index).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
    first = phone.get_by_role("link", name="Reference 1: Rude 1998")
    assert first.first.inner_text() == "1"
    assert phone.get_by_role("link", name="Reference 5: Garrison 2020").count() == 2


def test_a_citation_dense_paragraph_on_a_375_px_phone(phone, cited_article, shots):
    phone.goto(cited_article)
    paragraph = phone.locator(".prose p").first

    shot = shots / "citations-375.png"
    paragraph.screenshot(path=str(shot))

    assert shot.stat().st_size > 5000
    assert paragraph.inner_text().count("[") == 6 and "@" not in paragraph.inner_text()
    assert "[see 5, pp. 12\u201315; also 6, fig. 2]" in paragraph.inner_text()
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_hover_and_keyboard(page, cited_article):
    page.goto(cited_article)
    number = page.locator('a.cite-ref[href="#ref-4"]').first

    number.hover()
    popover = page.locator(".cite-popover")
    popover.wait_for(state="visible")
    assert "A study by Elisaf" in popover.inner_text()
    page.mouse.move(0, 0)
    popover.wait_for(state="hidden")

    number.focus()
    page.keyboard.press("Enter")
    popover.wait_for(state="visible")
    assert number.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert popover.is_hidden()
    assert page.evaluate("document.activeElement.id") == number.get_attribute("id")
