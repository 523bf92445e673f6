"""Hostile HTML typed into any editor field never reaches a reader's browser."""

import re

import pytest

from .factories import make_article, make_nutrient

pytestmark = pytest.mark.django_db

HOSTILE = (
    '<script>alert("x")</script><img src=x onerror="alert(1)">'
    '<a href="javascript:alert(2)">link</a><iframe src="https://evil.example"></iframe>'
    '<style>body{display:none}</style><p style="position:fixed" onclick="alert(3)">para</p>'
    "[click](javascript:alert(4)) <svg onload=alert(5)></svg>"
)
# Markup that would run or restyle, not the harmless words themselves (which may remain as text).
FORBIDDEN = ["<script", " onerror=", 'href="javascript:', "<iframe", "<style", " onclick=", 'style="position', "<svg",
             " onload="]  # fmt: skip


def assert_clean(page: str) -> None:
    # The site's own scripts are files it serves; nothing else may run.
    page = re.sub(r'<script src="/static/js/[\w.-]+" defer></script>', "", page)
    # A JSON-LD data block never runs; what it holds cannot close it (``<`` is escaped in it).
    for data in re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S):
        assert "<" not in data, data
    page = re.sub(r'<script type="application/ld\+json">.*?</script>', "", page, flags=re.S)
    for needle in FORBIDDEN:
        assert needle not in page.lower(), needle


def test_every_article_markdown_field_is_sanitised(client):
    article = make_article(
        summary=f"Summary {HOSTILE}",
        body=f"## Heading\n\nBody {HOSTILE}",
        key_points=[f"Point {HOSTILE}"[:500]],
        faqs=[("Question <script>alert(6)</script>?", f"Answer {HOSTILE}")],
    )

    page = client.get(article.get_absolute_url()).content.decode()

    assert "Summary" in page and "Body" in page and "Point" in page and "Answer" in page
    assert "&lt;script&gt;alert(6)&lt;/script&gt;" in page  # plain-text question is escaped, not dropped
    assert_clean(page)


def test_every_nutrient_markdown_field_is_sanitised(client):
    nutrient = make_nutrient(
        summary=f"Summary {HOSTILE}",
        body=f"Body {HOSTILE}",
        evidence_rationale=f"Rationale {HOSTILE}",
        aliases='<script>alert("alias")</script>',
        foods=[("Spinach <script>", "80 mg", f"Notes {HOSTILE}"[:500])],
        interactions=[("Diuretics", f"Effect {HOSTILE}")],
    )

    page = client.get(nutrient.get_absolute_url()).content.decode()

    for text in ("Summary", "Body", "Rationale", "Notes", "Effect", "Spinach &lt;script&gt;"):
        assert text in page
    assert_clean(page)


def test_safe_markdown_survives(client):
    article = make_article(body="## Causes\n\n*Emphasis*, **strong**, [a link](https://example.org), and a table:\n\n"
                                "| Food | Amount |\n|---|---|\n| Almonds | 80 mg |\n")  # fmt: skip

    page = client.get(article.get_absolute_url()).content.decode()

    assert '<h2 id="sec-causes">Causes</h2>' in page
    assert "<em>Emphasis</em>" in page and "<strong>strong</strong>" in page
    assert 'href="https://example.org"' in page and 'rel="noopener noreferrer nofollow"' in page
    assert "<td>Almonds</td>" in page


def test_hostile_reference_fields_are_escaped_on_every_page_that_shows_them(client):
    from .factories import make_reference

    make_reference(key="evil", title='<script>alert("t")</script>Title', container_title="<img src=x onerror=alert(1)>",
                   abstract="<script>alert('a')</script>", url="javascript:alert(1)")  # fmt: skip
    article = make_article(body="Cited [@evil].")

    pages = [client.get(url).content.decode() for url in (article.get_absolute_url(), "/references/evil/",
                                                          "/references/")]  # fmt: skip

    for page in pages:
        assert "&lt;script&gt;" in page
        assert_clean(page)
