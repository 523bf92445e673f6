"""Random documents built from every citation form pandoc reads: the page never shows an ``@``
or a raw bracket group, and the numbers follow first appearance, as pandoc numbers them."""

import html
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cramps.markdown import render_markdown
from references.citations import citation_problems, cited_keys, number_citations_html, number_keys
from references.tests import pandoc

KEYS = ["ada1999", "bernard1998", "rude1998", "wester1987", "smith:2004", "x_1"]
WORDS = st.sampled_from(["Magnesium", "helps", "some", "people", "with", "cramps", "(often)", "at", "night."])


@st.composite
def citation(draw) -> tuple[str, list[str]]:
    """One citation as written, and its keys in reading order."""
    key = st.sampled_from(KEYS)
    kind = draw(st.sampled_from(["group", "group", "textual", "adjacent"]))
    if kind == "textual":
        first, more = draw(key), draw(st.sampled_from(["", " [p. 4]", " [pp. 3-5; @rude1998]"]))
        return f"@{first}{more}", [first] + (["rude1998"] if "@rude1998" in more else [])
    groups = [draw(_group()) for _ in range(2 if kind == "adjacent" else 1)]
    return "".join(text for text, _ in groups), [k for _, keys in groups for k in keys]


@st.composite
def _group(draw) -> tuple[str, list[str]]:
    items, keys = [], []
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        key = draw(st.sampled_from(KEYS))
        prefix = draw(st.sampled_from(["", "", "see ", "cf. ", "*see* ", "also "]))
        dash = draw(st.sampled_from(["", "", "-"]))
        suffix = draw(
            st.sampled_from(["", "", ", p. 4", ", pp. 33-35", ", chap. 1", " and passim", ", fig. 2-3"])
        )
        items.append(f"{prefix}{dash}@{key}{suffix}")
        keys.append(key)
    return "[" + "; ".join(items) + "]", keys


@st.composite
def sentence(draw) -> tuple[str, list[str]]:
    parts, keys = [], []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        if draw(st.booleans()):
            parts.append(draw(WORDS))
        else:
            text, cited = draw(citation())
            parts.append(text)
            keys += cited
    return " ".join(parts), keys


@st.composite
def document(draw) -> tuple[str, list[str]]:
    """Paragraphs, emphasis, link text, headings, table cells, list items and block quotes."""
    blocks, keys = [], []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        text, cited = draw(sentence())
        wrapper = draw(
            st.sampled_from(["{}", "*{}*", "## {}", "- {}", "> {}", "| Cell |\n|---|\n| {} |", "link"])
        )
        if wrapper == "link":
            # Link text cites with bracketed groups only (a textual key would take the bracket).
            group, cited = draw(_group())
            text = f"Read [this summary {group}](https://example.org/)"
        blocks.append(text if wrapper == "link" else wrapper.format(text))
        keys += cited
    return "\n\n".join(blocks), list(dict.fromkeys(keys))


def visible_text(page: str) -> tuple[str, list[str]]:
    """The page's text outside citations, and the text of each citation."""
    citations = [html.unescape(re.sub(r"<[^>]+>", "", group)) for group in re.findall(r"<sup class=\"citation[^\"]*\">(.*?)</sup>", page)]  # fmt: skip
    outside = re.sub(r'<sup class="citation[^"]*">.*?</sup>', " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", outside)), citations


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document())
def test_pages_never_show_a_key_and_number_by_first_appearance(generated):
    text, keys = generated

    assert citation_problems(text) == []
    assert cited_keys([text]) == keys
    numbering = number_keys(keys)
    page = number_citations_html(render_markdown(text).html, numbering, labels={key: key for key in keys})
    outside, citations = visible_text(page)
    assert "@" not in outside and "[" not in outside and "]" not in outside, (text, outside)
    for shown in citations:
        assert "@" not in shown and re.fullmatch(r"\[[^\[\]]+\]", shown), (text, shown)
    # Each number's first showing carries id="cite-n": in reading order they count 1, 2, 3…
    assert [int(n) for n in re.findall(r'id="cite-(\d+)"', page)] == list(range(1, len(keys) + 1))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document())
def test_numbering_equals_pandocs(generated):
    text, keys = generated
    bibliography = [{"id": key, "type": "book", "title": f"Book {key}"} for key in KEYS]

    assert list(number_keys(keys)) == pandoc.numbering(text, bibliography)
