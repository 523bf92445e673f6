"""No text silently disappears: what the sanitiser would cut, or a citation that is not read,
is refused on save, naming it and saying what to write instead."""

import pytest
from django.core.exceptions import ValidationError

from cramps.models import Article, KeyPoint
from cramps.validators import validate_markdown

from .factories import make_article, make_reference
from .test_admin import article_form

pytestmark = pytest.mark.django_db


def messages(text: str) -> list[str]:
    try:
        validate_markdown(text)
    except ValidationError as error:
        return error.messages
    return []


@pytest.fixture
def references():
    return [make_reference(key="rude1998"), make_reference(key="wester1987")]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Cramps are common.\n\n<script>alert(1)", ["<script>", "“alert(1)”"]),
        ("Hi <textarea> the rest of **the page**\n\nmore text", ["<textarea>", "“the page more text”"]),
        ("<style>body{display:none}</style>\n\nText", ["<style>", "“body{display:none}”"]),
        (
            "Text\n\n<!-- a note\n\nthat hides the rest",
            ["a comment that is never closed", "“<!-- a note that hides the rest”"],
        ),
        ('A <b onclick="steal()">bold</b> claim', ["onclick=“steal()” on <b>"]),
        ("[Call us](tel:123)", ["the address “tel:123”"]),
        ("# A second title\n\nText", ["a level-1 heading"]),
        ("<plaintext>everything after", ["<plaintext>", "markup that would show as text"]),
    ],
)
def test_what_the_sanitiser_would_cut_is_named(text, named):
    (message,) = messages(text)

    assert message.startswith("Readers would not get all of this text; the page would lose ")
    for part in named:
        assert part in message
    assert "put code in backticks" in message


@pytest.mark.parametrize(
    "text",
    [
        '## Heading\n\n*Emphasis*, **strong**, [a link](https://example.org), <abbr title="x">ABBR</abbr>.',
        "| Food | Amount |\n|:---|---:|\n| Almonds | 80 mg |",
        "A note for editors <!-- not shown --> stays out.",
        "Code: `<script>` is shown as text.",
        "a < b & c > d",
    ],
)
def test_markdown_that_reaches_readers_whole_passes(text):
    assert messages(text) == []


def test_citation_near_misses_and_unknown_keys_are_named(references):
    assert messages("Magnesium [@ rude1998] and [@nobody2001].") == [
        "“[@ rude1998]” is not read as a citation. Write “[@rude1998]” to cite, or \\@ to show an @ sign.",
        'Unknown citation key in this text: @nobody2001. <a href="/admin/references/reference/add/?key=nobody2001" '
        'target="_blank" rel="noopener">Add the reference</a> first, or correct the key '
        "(write \\@ for an @ sign that is not a citation).",
    ]


def test_an_unknown_key_names_the_closest_stored_key(references):
    make_reference(key="garrison2020")
    make_reference(key="garner1999")

    [message] = messages("Magnesium did not help [@garison2020]; see [@smith1987x] and [@Garrison2020].")

    assert message.startswith(
        "Unknown citation keys in this text: @garison2020 (did you mean @garrison2020?), "
        "@smith1987x, @Garrison2020 (did you mean @garrison2020?). "
    )
    assert '<a href="/admin/references/reference/add/?key=garison2020" target="_blank"' in message


def test_the_suggestion_is_escaped_and_the_link_names_the_key_safely():
    [message] = messages("See [@x<b>y2020].")

    assert "@x&lt;b&gt;y2020" in message and "?key=x%3Cb%3Ey2020" in message
    assert "<b>" not in message


def test_the_admin_refuses_such_text_and_saves_nothing(admin_client, references):
    data = article_form(
        body="Intro [@rude1998][@wester1987].\n\n<textarea>rest", summary="A typo [@ rude1998]."
    )
    data["key_points-0-text"] = "Point [@wester1987;]"

    response = admin_client.post("/admin/cramps/article/add/", data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "<textarea>" in errors["body"][0]
    assert errors["summary"] == [
        "“[@ rude1998]” is not read as a citation. Write “[@rude1998]” to cite, or \\@ to show an @ sign."
    ]
    page = response.content.decode()
    assert "“[@wester1987;]” is not read as a citation. Write “[@wester1987]” to cite" in page
    assert not Article.objects.exists() and not KeyPoint.objects.exists()


def test_adjacent_citations_are_saved_and_both_numbered(admin_client, references):
    response = admin_client.post(
        "/admin/cramps/article/add/", article_form(body="Both [@wester1987][@rude1998].")
    )

    assert response.status_code == 302
    article = Article.objects.get()
    page = admin_client.get(article.get_absolute_url()).content.decode()
    assert 'aria-label="Reference 1: ' in page and 'aria-label="Reference 2: ' in page


def test_an_edit_of_existing_text_is_refused_and_the_page_kept(admin_client, references):
    article = make_article(title="Kept", body="Fine [@rude1998].", key_points=["[@wester1987]"])
    data = article_form(title="Kept", slug=article.slug, body="<script>alert(1)</script> gone")
    data.update({"key_points-TOTAL_FORMS": "0"})

    response = admin_client.post(f"/admin/cramps/article/{article.pk}/change/", data)

    assert response.status_code == 200
    article.refresh_from_db()
    assert article.body == "Fine [@rude1998]."


def test_suggestions_cost_a_bounded_number_of_queries(django_assert_max_num_queries):
    make_reference(key="garrison2020")
    text = " ".join(f"[@garison20{n:02d}]" for n in range(40))

    with django_assert_max_num_queries(25):
        [message] = messages(text)

    assert message.count("did you mean") >= 1 and "@garison2039" in message
