import re

import nh3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from references.citations import (
    collapse_ranges,
    markdown_parser,
    number_citations_html,
    number_keys,
    remove_citations,
)

MARKDOWN = markdown_parser()


def render(text: str) -> str:
    """Rendered and sanitised as the content app stores it (nh3 keeps the placeholders)."""
    tags = {"p", "a", "cite", "code", "pre", "em", "span", "b"}
    return nh3.clean(
        MARKDOWN.render(text), tags=tags, attributes={"cite": {"class", "data-cite"}, "a": {"href"}}
    )


def shown(html: str) -> list[str]:
    """The visible text of every citation, e.g. ['[1–3,5]', '[see 2, p. 750]']."""
    return [
        re.sub(r"<[^>]+>", "", match) for match in re.findall(r'<sup class="citation[^"]*">(.*?)</sup>', html)
    ]


def link(number: int, element_id: str | None = None, label: str | None = None) -> str:
    label = label or f"Reference {number}"
    return (f'<a class="cite-ref" href="#ref-{number}" id="{element_id or f"cite-{number}"}" '
            f'aria-label="{label}">{number}</a>')  # fmt: skip


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([], {}),
        (["a"], {"a": 1}),
        (["b", "a", "b", "c", "a"], {"b": 1, "a": 2, "c": 3}),
    ],
)
def test_number_keys(keys, expected):
    assert number_keys(keys) == expected


@given(st.lists(st.sampled_from("abcdefgh")))
def test_number_keys_numbers_by_first_appearance(keys):
    numbering = number_keys(keys)

    assert list(numbering) == list(dict.fromkeys(keys))
    assert list(numbering.values()) == list(range(1, len(numbering) + 1))


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ([], ""),
        ([4], "4"),
        ([1, 2], "1,2"),
        ([1, 2, 3], "1\u20133"),
        ([5, 3, 1, 2], "1\u20133,5"),
        ([1, 1, 2, 2, 3], "1\u20133"),
        ([1, 2, 4, 5, 6, 8, 10, 11], "1,2,4\u20136,8,10,11"),
        ([9, 10, 11, 12], "9\u201312"),
    ],
)
def test_collapse_ranges(numbers, expected):
    assert collapse_ranges(numbers) == expected


def parse_ranges(text: str) -> list[tuple[int, int]]:
    if not text:
        return []
    ranges = []
    for part in text.split(","):
        first, _, last = part.partition("\u2013")
        ranges.append((int(first), int(last or first)))
    return ranges


@given(st.lists(st.integers(min_value=1, max_value=60)))
def test_collapse_ranges_properties(numbers):
    ranges = parse_ranges(collapse_ranges(numbers))

    assert {number for first, last in ranges for number in range(first, last + 1)} == set(numbers)
    assert all(last - first >= 2 for first, last in ranges if last != first)
    starts = [first for first, _ in ranges]
    assert starts == sorted(starts)
    assert all(
        previous_last < first for (_, previous_last), (first, _) in zip(ranges, ranges[1:], strict=False)
    )
    singles = [first for first, last in ranges if first == last]
    assert not any(n + 1 in singles and n + 2 in singles for n in singles)


def test_single_citation_is_a_named_link_with_an_id():
    result = number_citations_html(
        render("Cramps [@rude1998]."), {"rude1998": 1}, labels={"rude1998": "Rude 1998"}
    )

    assert result == (
        f'<p>Cramps <sup class="citation">[{link(1, label="Reference 1: Rude 1998")}]</sup>.</p>\n'
    )


def test_plain_group_collapses_ranges_and_anchors_hidden_numbers():
    result = number_citations_html(render("[@c; @a; @b; @e]"), number_keys("abcde"))

    assert result == (
        f'<p><sup class="citation">[{link(1)}<span id="cite-2"></span>\u2013{link(3)},{link(5)}]</sup></p>\n'
    )


def test_prefixes_and_suffixes_show_around_the_numbers_in_written_order():
    text = "[see @ada1999, pp. 33-35; also @bernard1998, chap. 1]"

    result = number_citations_html(render(text), {"ada1999": 1, "bernard1998": 2})

    assert shown(result) == ["[see 1, pp. 33\u201335; also 2, chap. 1]"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[@a; @b, p. 750; @c]", ["[1; 2, p. 750; 3]"]),
        ("[@c; @a; @b; see @d]", ["[1\u20133; see 4]"]),
        ("[@a, pp. 33-35 and passim]", ["[1, pp. 33\u201335 and passim]"]),
        ("[@a and more]", ["[1 and more]"]),
        ("[*see* @a, p. 3]", ["[see 1, p. 3]"]),
        ("[-@a]", ["[1]"]),
        ("@a [p. 4; @b] say", ["[1, p. 4; 2]"]),
        ("[@a][@b] [@b; @a]", ["[1]", "[2]", "[1,2]"]),
    ],
)
def test_groups_show_as_numeric_styles_show_them(text, expected):
    assert shown(number_citations_html(render(text), number_keys("abcd"))) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[@a; @b, p. 750; @c]", ["[1; 2, p. 750; 3]"]),
        ("[@c; @a; @b; see @d]", ["[1\u20133; see 4]"]),
        ("[@c; @a; @b; @d]", ["[1\u20134]"]),
        ("[@a][@b] [@b; @a] [@a; @a]", ["[1]", "[2]", "[1,2]", "[1]"]),
        ("[@a; @x]", ["[1,?]"]),
    ],
)
def test_printed_citations_show_the_same_text(text, expected):
    html = render(text)

    assert shown(number_citations_html(html, number_keys("abcd"), printed=True)) == expected
    assert shown(number_citations_html(html, number_keys("abcd"))) == expected


def test_printed_citations_are_plain_links_without_ids():
    """A lone number's link takes in its brackets; nothing carries an id or an accessible name."""
    seen: dict[int, int] = {}
    result = number_citations_html(
        render("One [@a]. Range [@a; @b; @c]. Linked [text [@b]](https://example.org/)."),
        {"a": 1, "b": 2, "c": 3}, labels={"a": "Rude 1998"}, shown=seen, printed=True,
    )  # fmt: skip

    assert '<sup class="citation"><a class="cite-ref" href="#ref-1">[1]</a></sup>' in result
    assert (
        '<sup class="citation">[<a class="cite-ref" href="#ref-1">1</a>\u2013<a class="cite-ref" href="#ref-3">3</a>]</sup>'
        in result
    )
    assert '<sup class="citation">[<span class="cite-ref">2</span>]</sup>' in result
    assert "id=" not in result and "aria-label" not in result and seen == {}


def test_every_showing_of_a_number_has_its_own_id():
    result = number_citations_html(render("[@a] [@b; @a] [@a, p. 4]"), {"a": 1, "b": 2})

    assert re.findall(r'id="([^"]+)"', result) == ["cite-1", "cite-1-2", "cite-2", "cite-1-3"]


def test_ids_stay_unique_across_the_fragments_of_one_page():
    seen: dict[int, int] = {}

    first = number_citations_html(render("[@a; @b]"), {"a": 1, "b": 2}, shown=seen)
    second = number_citations_html(render("[@b; @c]"), {"a": 1, "b": 2, "c": 3}, shown=seen)

    assert re.findall(r'id="([^"]+)"', first + second) == ["cite-1", "cite-2", "cite-2-2", "cite-3"]
    assert seen == {1: 1, 2: 2, 3: 1}


def test_link_prefix():
    assert '<a class="cite-ref" href="#handout-ref-7" id="cite-7"' in number_citations_html(
        render("[@a]"), {"a": 7}, link_prefix="handout-ref-"
    )


def test_a_citation_inside_link_text_is_not_a_nested_link():
    result = number_citations_html(render("[text citing [@a]](https://example.org/)"), {"a": 1})

    assert result == (
        '<p><a href="https://example.org/" rel="noopener noreferrer">text citing <sup class="citation">'
        '[<span class="cite-ref" id="cite-1">1</span>]</sup></a></p>\n'
    )


def test_unknown_keys_show_a_question_mark_naming_the_key():
    result = number_citations_html(render("[@a; @x; @y; @x] [see @z]"), {"a": 1})

    assert shown(result) == ["[1,?,?]", "[see ?]"]
    assert 'title="x"' in result and 'title="y"' in result and 'title="z"' in result


def test_hostile_keys_and_affixes_are_escaped():
    html = render('[@a<b&c] [@ok, "><script>alert(1)</script>] [<img src=x onerror=alert(1)> @ok]')

    result = number_citations_html(html, {"ok": 1})

    assert (
        "<script" not in result
        and "<img" not in result
        and "onerror" not in result.replace("onerror=alert", "")
    )
    assert 'title="a&lt;b&amp;c"' in result


def test_hand_written_placeholders_are_escaped():
    data = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt; ok"

    result = number_citations_html(f'<cite class="citation" data-cite="{data}"></cite>', {"ok": 1})

    assert "<img" not in result
    assert 'title="&quot;&gt;&lt;img"' in result


@pytest.mark.parametrize(
    "placeholder",
    [
        "<cite data-cite='a' class='citation'></cite>",
        '<cite class=citation data-cite="a"></cite>',
        '<cite class="citation" data-cite="a" title="x>y"></cite>',
        '<CITE class="citation other" data-cite="a"></CITE>',
    ],
)
def test_placeholders_in_any_attribute_form(placeholder):
    assert number_citations_html(placeholder, {"a": 1}) == f'<sup class="citation">[{link(1)}]</sup>'


@pytest.mark.parametrize(
    "html",
    [
        "<p><cite>The Lancet</cite></p>",
        '<p><cite class="title" data-cite="a">x</cite></p>',
        '<p><cite class="citation">x</cite></p>',
        "<p>no citations</p>",
    ],
)
def test_other_html_is_left_alone(html):
    assert number_citations_html(html, {"a": 1}) == html


def test_a_cited_title_inside_a_prefix_does_not_end_the_placeholder():
    html = render("[see <cite>The Lancet</cite> @a, p. 4] and on")

    assert shown(number_citations_html(html, {"a": 1})) == ["[see The Lancet 1, p. 4]"]


def test_remove_citations_leaves_the_text_only():
    html = render("Magnesium matters [@rude1998; @wester1987]. It is *common* [see @a, p. 4].")

    assert remove_citations(html) == "<p>Magnesium matters. It is <em>common</em>.</p>\n"
