"""Printing a page from the browser (``static/css/print.css``): the content, every FAQ answer and
the references; no navigation, search box, handout links or related pages."""

import subprocess

import pytest

from cramps.tests.factories import make_article, make_nutrient, make_reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def printed_text(page, url: str, tmp_path) -> str:
    page.goto(url)
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(page.pdf(format="A4"))
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_printed_article_has_its_content_and_no_screen_furniture(page, live_server, tmp_path):
    make_reference(key="rude1998", title="Magnesium deficiency and cramps")
    zinc = make_nutrient(title="Zinc supplements")
    make_article(
        title="Night cramps",
        slug="night-cramps",
        body="## Causes\n\nOften unknown [@rude1998].",
        faqs=[
            ("Is it serious?", "Usually not."),
            ("Can stretching help?", "Calf stretches may help before bed."),
        ],
        tags=["sleep"],
        nutrients=[zinc],
    )
    text = " ".join(printed_text(page, live_server.url + "/articles/night-cramps/", tmp_path).split())
    assert "Night cramps" in text and "Often unknown" in text
    assert "Calf stretches may help before bed." in text  # a closed FAQ answer
    assert "Magnesium deficiency and cramps" in text  # the reference list
    for screen_only in (
        "Handout builder",
        "Search the site",
        "Download PDF",
        "Zinc supplements",
        "In this article",
    ):
        assert screen_only not in text, screen_only
