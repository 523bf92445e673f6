"""Every public page type and the handout builder, at a phone's and a laptop's width: axe-core
finds no serious or critical problem, headings go down one level at a time, the focus ring
stands out (3:1), the "In this …" box lists every section, and tables fit a phone.

Screenshots of each page at both widths are saved in ``shots/`` beside this file, to look at.
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parent / "shots"
WIDTHS = (375, 1280)
PAGES = {
    "home": "/",
    "article-list": "/articles/",
    "article": "/articles/muscle-cramps-and-chemotherapy-induced-neuropathy/",
    "nutrient-list": "/nutrients/",
    "nutrient": "/nutrients/magnesium/",
    "reference-list": "/references/",
    "reference": "/references/garrison2020/",
    "tag-list": "/tags/",
    "tag": "/tags/neuropathy/",
    "handout-builder": "/handout/",
    "handout-builder-nothing-ticked": "/handout/?nothing=1",
}
HEADING_LEVELS = "[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1]))"
FOCUS = """() => {
  const element = document.activeElement;
  if (element === document.body) return null;  // tabbed past the last focusable element
  const style = getComputedStyle(element);
  let behind = element.parentElement;
  // The ring is drawn outside the element (outline-offset), over what is behind it.
  while (behind && getComputedStyle(behind).backgroundColor.replace(/\\s/g, "").match(/^(transparent|rgba\\(0,0,0,0\\))$/)) {
    behind = behind.parentElement;
  }
  return {name: element.outerHTML.slice(0, 80), outline: style.outlineStyle, color: style.outlineColor,
          background: behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)"};
}"""


@pytest.fixture(scope="module")
def axe():
    return Axe()


@pytest.fixture
def demo_site(live_server):
    call_command("load_demo", "--no-user", stdout=StringIO())
    return live_server.url


@pytest.fixture(params=WIDTHS, ids=lambda width: f"{width}px")
def sized_page(request, browser):
    context = browser.new_context(viewport={"width": request.param, "height": 900})
    page = context.new_page()
    page.width = request.param
    yield page
    context.close()


def headings_in_order(levels: list[int]) -> bool:
    """One h1 first, and no heading more than one level below the one before it."""
    return (
        levels[:1] == [1]
        and levels.count(1) == 1
        and all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False))
    )


@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_problem_and_headings_in_order(sized_page, demo_site, axe, name):
    page = sized_page
    assert page.goto(demo_site + PAGES[name]).status == 200

    results = axe.run(page)

    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], results.generate_report()
    assert results.violations_count == 0, results.generate_report()
    levels = page.evaluate(HEADING_LEVELS)
    assert headings_in_order(levels), f"{name}: heading levels {levels}"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {page.width}px"
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.width}.jpg"), full_page=True, type="jpeg", quality=60)


def relative_luminance(css_color: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_color)[:3])
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_computed_as_wcag_defines_it():
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0
    assert round(contrast("rgb(240, 165, 0)", "rgb(251, 250, 247)"), 1) == 2.0  # the old amber ring


@pytest.mark.parametrize("name", ["nutrient", "article", "handout-builder"])
def test_the_focus_ring_stands_out_from_what_is_behind_it(browser, demo_site, name):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(demo_site + PAGES[name])

    rings = []
    for _ in range(25):
        page.keyboard.press("Tab")
        if (ring := page.evaluate(FOCUS)) is None:
            break
        rings.append(ring)
    context.close()

    assert len(rings) >= 5
    assert all(ring["outline"] != "none" for ring in rings), [r for r in rings if r["outline"] == "none"]
    weak = [ring for ring in rings if contrast(ring["color"], ring["background"]) < 3]
    assert weak == []


@pytest.mark.parametrize(
    ("name", "sections"),
    [
        (
            "nutrient",
            [
                "How much you need",
                "Food sources",
                "Forms and doses",
                "Medication interactions",
                "Articles about Magnesium",
                "References",
            ],
        ),
        ("article", ["Frequently asked questions", "Related nutrients", "References"]),
    ],
)
def test_the_contents_box_lists_every_section(page, demo_site, name, sections):
    page.goto(demo_site + PAGES[name])

    listed = page.locator("nav.toc a").all_inner_texts()
    linked = [
        link.split("#")[1] for link in page.locator("nav.toc a").evaluate_all("as => as.map(a => a.href)")
    ]
    after_contents = page.evaluate(
        "[...document.querySelectorAll('nav.toc ~ * :is(h2, h3)[id], nav.toc ~ :is(h2, h3)[id]')].map(h => h.id)"
    )

    assert [section for section in listed if section in sections] == sections
    assert listed[-1] == "References"
    assert sorted(linked) == sorted(after_contents)


def test_tables_are_readable_on_a_phone(browser, demo_site):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(demo_site + PAGES["nutrient"])

    cells = page.locator("#foods-heading ~ table td")
    first = cells.first
    label = first.evaluate("cell => getComputedStyle(cell, '::before').content")
    widths = page.locator("table").evaluate_all("tables => tables.map(t => t.scrollWidth - t.clientWidth)")
    context.close()

    assert label == '"Serving"'  # each cell names its column once the rows are stacked
    assert max(widths) <= 0
