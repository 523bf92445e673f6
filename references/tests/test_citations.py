import re

import nh3
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from references.citations import (
    CiteItem,
    citations_plugin,
    cited_keys,
    collapse_ranges,
    extract_citations,
    number_citations_html,
    number_keys,
    remove_citations,
)


def render(text: str) -> str:
    return MarkdownIt("commonmark").use(citations_plugin).render(text)


def sanitise(html: str) -> str:
    """What the content app stores: nh3 allowing the placeholder and little else."""
    tags = {"p", "a", "cite", "code", "pre"}
    return nh3.clean(html, tags=tags, attributes={"cite": {"class", "data-cite"}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Cramps [@rude1998].", [[CiteItem("rude1998")]]),
        ("[@rude1998; @wester1987]", [[CiteItem("rude1998"), CiteItem("wester1987")]]),
        ("[@rude1998, p. 750]", [[CiteItem("rude1998", "p. 750")]]),
        (
            "[@rude1998 ,  pp. 749-58 ;@wester1987, fig. 2]",
            [[CiteItem("rude1998", "pp. 749-58"), CiteItem("wester1987", "fig. 2")]],
        ),
        ("[@a] and again [@a]", [[CiteItem("a")], [CiteItem("a")]]),
        ("[@a].", [[CiteItem("a")]]),
        ("[@a.]", [[CiteItem("a")]]),
        ("[@smith:2004.x-y/z_1]", [[CiteItem("smith:2004.x-y/z_1")]]),
        ("[@10.1359/jbmr]", [[CiteItem("10.1359/jbmr")]]),
        ("[@a;\n@b]", [[CiteItem("a"), CiteItem("b")]]),
        ("*[@a]* and **[@b]**", [[CiteItem("a")], [CiteItem("b")]]),
        ("- item [@a]\n\n> quoted [@b]", [[CiteItem("a")], [CiteItem("b")]]),
        ("| Nutrient | Source |\n| --- | --- |\n| Magnesium | [@rude1998] |", [[CiteItem("rude1998")]]),
        ("[[@a]]", [[CiteItem("a")]]),
    ],
)
def test_extract_citations(text, expected):
    assert extract_citations(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "write to a@b.com",
        "[mail a@b.com]",
        "[see @a]",
        "[@a; see @b]",
        "[@a;]",
        "[@]",
        "[@.a]",
        "[ @ a]",
        r"\[@x]",
        "`[@x]`",
        "```\n[@x]\n```",
        "    [@x] indented code",
        "[@x](http://example.com)",
        "[@x][ref]\n\n[ref]: http://example.com",
        "[@x]\n\n[@x]: http://example.com",
        '<a href="http://example.com">[@x]</a>',
        "<div>\n[@x]\n</div>",
        "[@x",
        "",
    ],
)
def test_not_citations(text):
    assert extract_citations(text) == []


def test_cited_keys_are_unique_in_order_of_first_appearance():
    texts = ["[@b; @a] then [@c]", "", "[@a; @d, p. 3] [@b]"]

    assert cited_keys(texts) == ["b", "a", "c", "d"]


def test_placeholder_keeps_keys_locators_and_source():
    html = render("Cramps [@rude1998, p. 750; @wester1987].")

    assert html == (
        '<p>Cramps <cite class="citation" data-cite="rude1998|p. 750;wester1987|">'
        "[@rude1998, p. 750; @wester1987]</cite>.</p>\n"
    )


def test_placeholder_escapes_hostile_keys_and_locators():
    html = render('[@a<b&c, "><script>alert(1)</script>]')

    assert "<script" not in html
    assert 'data-cite="a&lt;b&amp;c|&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html


def test_placeholder_survives_nh3():
    html = sanitise(render("[@rude1998, p. 750; @wester1987]"))

    assert '<cite class="citation" data-cite="rude1998|p. 750;wester1987|">' in html


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

    shown = {number for first, last in ranges for number in range(first, last + 1)}
    assert shown == set(numbers)
    assert all(last - first >= 2 for first, last in ranges if last != first)
    starts = [first for first, _ in ranges]
    assert starts == sorted(starts)
    assert all(
        previous_last < first for (_, previous_last), (first, _) in zip(ranges, ranges[1:], strict=False)
    )
    # No three consecutive numbers are left as separate parts.
    singles = [first for first, last in ranges if first == last]
    assert not any(n + 1 in singles and n + 2 in singles for n in singles)


def test_number_citations_html_single():
    html = render("Cramps [@rude1998].")

    assert number_citations_html(html, {"rude1998": 1}) == (
        '<p>Cramps <sup class="citation">[<a href="#ref-1" id="cite-1">1</a>]</sup>.</p>\n'
    )


def test_number_citations_html_collapses_ranges_and_anchors_hidden_numbers():
    html = render("[@c; @a; @b; @e]")

    assert number_citations_html(html, number_keys("abcde")) == (
        '<p><sup class="citation">[<a href="#ref-1" id="cite-1">1</a><span id="cite-2"></span>'
        '\u2013<a href="#ref-3" id="cite-3">3</a>,<a href="#ref-5" id="cite-5">5</a>]</sup></p>\n'
    )


def test_number_citations_html_two_consecutive_stay_apart():
    html = render("[@b; @a]")

    result = number_citations_html(html, {"a": 1, "b": 2})

    assert '[<a href="#ref-1" id="cite-1">1</a>,<a href="#ref-2" id="cite-2">2</a>]' in result


def test_number_citations_html_locator_is_never_collapsed():
    html = render("[@a; @b, p. 750; @c]")

    result = number_citations_html(html, {"a": 1, "b": 2, "c": 3})

    assert result == (
        '<p><sup class="citation">[<a href="#ref-1" id="cite-1">1</a>,'
        '<a href="#ref-2" id="cite-2">2</a>, p. 750,<a href="#ref-3" id="cite-3">3</a>]</sup></p>\n'
    )


def test_number_citations_html_only_first_occurrence_gets_the_id():
    html = render("[@a] [@b; @a] [@a, p. 4]")

    result = number_citations_html(html, {"a": 1, "b": 2})

    assert re.findall(r'id="([^"]+)"', result) == ["cite-1", "cite-2"]
    assert result.count('href="#ref-1"') == 3


def test_number_citations_html_shares_anchors_across_fragments():
    anchored: set[int] = set()

    first = number_citations_html(render("[@a; @b]"), {"a": 1, "b": 2}, anchored=anchored)
    second = number_citations_html(render("[@b; @c]"), {"a": 1, "b": 2, "c": 3}, anchored=anchored)

    assert re.findall(r'id="([^"]+)"', first + second) == ["cite-1", "cite-2", "cite-3"]
    assert anchored == {1, 2, 3}


def test_number_citations_html_link_prefix():
    result = number_citations_html(render("[@a]"), {"a": 7}, link_prefix="handout-ref-")

    assert '<a href="#handout-ref-7" id="cite-7">7</a>' in result


def test_number_citations_html_unknown_key():
    result = number_citations_html(render("[@missing]"), {})

    assert result == '<p><sup class="citation citation-unknown" title="missing">[?]</sup></p>\n'


def test_number_citations_html_mixed_known_and_unknown():
    result = number_citations_html(render("[@a; @x; @y; @x]"), {"a": 1})

    assert result == (
        '<p><sup class="citation">[<a href="#ref-1" id="cite-1">1</a>]</sup>'
        '<sup class="citation citation-unknown" title="x, y">[?]</sup></p>\n'
    )


def test_number_citations_html_escapes_hostile_keys_and_locators():
    html = sanitise(render('[@a<b&c] [@ok, "><script>alert(1)</script>]'))

    result = number_citations_html(html, {"ok": 1})

    assert "<script" not in result
    assert 'title="a&lt;b&amp;c"' in result
    assert "</a>, &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;]</sup>" in result


def test_number_citations_html_escapes_hand_written_placeholders():
    data = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;|x;ok|&lt;b&gt;"

    result = number_citations_html(f'<cite class="citation" data-cite="{data}"></cite>', {"ok": 1})

    assert "<img" not in result and "<b>" not in result
    assert 'title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"' in result
    assert "</a>, &lt;b&gt;]" in result


def test_number_citations_html_after_nh3_with_angle_brackets_in_key():
    html = sanitise(render("[@a<b>c; @d]"))

    result = number_citations_html(html, {"a<b>c": 1, "d": 2})

    assert result == (
        '<p><sup class="citation">[<a href="#ref-1" id="cite-1">1</a>,'
        '<a href="#ref-2" id="cite-2">2</a>]</sup></p>\n'
    )


@pytest.mark.parametrize(
    "placeholder",
    [
        "<cite data-cite='a|' class='citation'>[@a]</cite>",
        '<cite class=citation data-cite="a|">[@a]</cite>',
        '<cite class="citation" data-cite="a|" title="x>y">[@a]</cite>',
        '<CITE class="citation other" data-cite="a|">[@a]</CITE>',
    ],
)
def test_number_citations_html_reads_any_attribute_form(placeholder):
    assert number_citations_html(placeholder, {"a": 1}) == (
        '<sup class="citation">[<a href="#ref-1" id="cite-1">1</a>]</sup>'
    )


@pytest.mark.parametrize(
    "html",
    [
        "<p><cite>The Lancet</cite></p>",
        '<p><cite class="title" data-cite="a|">x</cite></p>',
        '<p><cite class="citation">x</cite></p>',
        "<p>no citations</p>",
    ],
)
def test_number_citations_html_leaves_other_html_alone(html):
    assert number_citations_html(html, {"a": 1}) == html


def test_remove_citations_leaves_the_text_only():
    html = render("Magnesium matters [@rude1998; @wester1987]. It is *common* [@a].")

    assert remove_citations(html) == "<p>Magnesium matters. It is <em>common</em>.</p>\n"
