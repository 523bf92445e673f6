"""The editor's forms and lists fit a 1,280 px window: nothing hides off to the right."""

import pytest

from cramps.tests.factories import make_article, make_nutrient, make_reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 1280
OVERFLOWING = """() => [...document.querySelectorAll('.results, .tabular, fieldset')]
  .filter(element => element.scrollWidth > element.clientWidth + 1)
  .map(element => `${element.className} ${element.scrollWidth}>${element.clientWidth}`)"""


@pytest.fixture
def editor_page(browser, live_server, django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "secret-pw-123")
    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "secret-pw-123")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    yield page
    context.close()


def fits(page, url: str) -> tuple[int, list[str]]:
    assert page.goto(url).status == 200
    return page.evaluate("document.documentElement.scrollWidth"), page.evaluate(OVERFLOWING)


def test_the_nutrient_form_fits_1280_px(editor_page, live_server):
    long_notes = (
        "Richest when eaten whole; soaking and sprouting lower the phytate that binds it [@rude1998]. " * 3
    )
    nutrient = make_nutrient(
        foods=[("Dark green leafy vegetables (e.g. spinach, chard)", "80 mg per cooked cup", long_notes)] * 4,
        interactions=[("Loop diuretics (e.g. furosemide)", "Increase the losses in urine [@rude1998].")],
    )

    assert fits(editor_page, f"{live_server.url}/admin/cramps/nutrient/{nutrient.pk}/change/") == (WIDTH, [])


def test_the_article_form_fits_1280_px(editor_page, live_server):
    article = make_article(key_points=["A key point. " * 10], faqs=[("A question? " * 5, "An answer. " * 40)])

    assert fits(editor_page, f"{live_server.url}/admin/cramps/article/{article.pk}/change/") == (WIDTH, [])


def test_the_reference_list_shows_every_column_at_1280_px(editor_page, live_server):
    reference = make_reference(
        key="nourhashemi2000", title="Alzheimer disease: protective factors", pmid="10960819",
        doi="10.1093/ajcn/71.2.643s", authors=[{"literal": "Institute of Medicine, Food and Nutrition Board"}],
    )  # fmt: skip
    make_article(body=f"[@{reference.key}]")

    assert fits(editor_page, f"{live_server.url}/admin/references/reference/") == (WIDTH, [])
    assert editor_page.locator("#result_list td.field-cited_by").inner_text() == "1"
