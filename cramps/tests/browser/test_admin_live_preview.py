"""An editor writes an article citing two references and sees it, numbered, beside the text as they type."""

import pytest

from cramps.models import Article
from cramps.tests.factories import make_reference

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => window.__violations.push(event.violatedDirective));
"""


@pytest.fixture
def editor_page(browser, live_server, django_user_model):
    django_user_model.objects.create_superuser("boss", "boss@example.com", "secret-pw-123")
    make_reference(key="garrison2020", title="Magnesium for skeletal muscle cramps")
    make_reference(key="rude1998", title="Magnesium deficiency: a cause of heterogeneous disease")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(live_server.url + "/admin/login/?next=/admin/cramps/article/add/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", "secret-pw-123")
    page.click("input[type=submit]")
    page.wait_for_selector(".live-preview")
    yield page
    context.close()


def test_the_preview_follows_the_text_with_numbered_citations(editor_page, live_server):
    page = editor_page
    page.fill("#id_title", "Night cramps and magnesium")
    page.fill("#id_summary", "Magnesium rarely helps [@garrison2020].")
    page.locator("#id_body").press_sequentially("## Evidence\n\nTrials [@rude1998; @garrison2020].", delay=5)

    page.locator(".live-preview li#ref-2").wait_for()
    preview = page.locator(".live-preview")
    assert "Magnesium rarely helps [1]" in preview.inner_text()
    assert "Trials [1,2]" in preview.inner_text().replace("–", ",")
    assert preview.locator("h2#sec-evidence").inner_text() == "Evidence"

    page.locator("#id_body").press_sequentially(" Also [@garison2020].", delay=5)
    page.wait_for_selector(".live-preview .errorlist")
    assert "did you mean @garrison2020?" in preview.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert page.evaluate("window.__violations") == []

    page.locator("#id_body").fill("## Evidence\n\nTrials [@rude1998; @garrison2020].")
    page.locator("#id_status").select_option("published")
    page.locator("input[name=_save]").first.click()
    page.wait_for_selector(".messagelist")
    article = Article.objects.get()
    assert article.is_public and article.citations.count() == 2

    page.goto(live_server.url + article.get_absolute_url())
    assert "Trials [1,2]" in page.locator(".prose").inner_text().replace("–", ",")
