"""What is a citation: pandoc's Markdown reader is the reference (``pandoc.py`` runs it)."""

import pytest

from references.citations import (
    CiteItem,
    citation_problems,
    cited_keys,
    extract_citations,
    markdown_parser,
    number_keys,
    parse_citations,
)

from . import pandoc


def groups(text: str) -> list[list[str]]:
    return [group.keys for group in extract_citations(text)]


def items(text: str) -> list[tuple[CiteItem, ...]]:
    return [group.items for group in extract_citations(text)]


def bibliography(keys) -> list[dict]:
    return [{"id": key, "type": "article-journal", "title": f"Title {key}", "issued": {"date-parts": [[2000]]}}
            for key in keys]  # fmt: skip


# Text, and the keys of each citation pandoc reads in it, group by group.
AS_PANDOC_READS = [
    ("Cramps [@rude1998].", [["rude1998"]]),
    ("[@rude1998; @wester1987]", [["rude1998", "wester1987"]]),
    ("[@rude1998, p. 750]", [["rude1998"]]),
    ("[@rude1998 ,  pp. 749-58 ;@wester1987, fig. 2]", [["rude1998", "wester1987"]]),
    (
        "Prefixes and suffixes [see @ada1999, pp. 33-35; also @bernard1998, chap. 1].",
        [["ada1999", "bernard1998"]],
    ),
    ("[cf. @a; also @b]", [["a", "b"]]),
    ("[@a, pp. 33-35 and passim]", [["a"]]),
    ("[@a and more]", [["a"]]),
    ("[*see* @a, *p.* 4]", [["a"]]),
    ("[-@a]", [["a"]]),
    ("[see -@a, p. 3]", [["a"]]),
    ("[@a][@b]", [["a"], ["b"]]),
    ("[@a] [@b]; [@c]", [["a"], ["b"], ["c"]]),
    ("[@a]-[@b]", [["a"], ["b"]]),
    ("[@a] and again [@a]", [["a"], ["a"]]),
    ("[@a].", [["a"]]),
    ("[@a.]", [["a"]]),
    ("[@a..b]", [["a"]]),
    ("[@smith:2004.x-y/z_1]", [["smith:2004.x-y/z_1"]]),
    ("[@10.1359/jbmr]", [["10.1359/jbmr"]]),
    ("[@{braced}; @{b}]", [["braced", "b"]]),
    ("[@a;\n@b]", [["a", "b"]]),
    ("[ @a ]", [["a"]]),
    ("*[@a]* and **[@b]** and ~~[@c]~~", [["a"], ["b"], ["c"]]),
    ("*[see @a]*", [["a"]]),
    ("- item [@a]\n\n> quoted [@b]", [["a"], ["b"]]),
    ("1. first [@a]\n2. second [see @b]", [["a"], ["b"]]),
    ("## Heading [@a]\n\nText [@b].", [["a"], ["b"]]),
    ("| Nutrient | Source |\n| --- | --- |\n| Magnesium | [@rude1998, p. 4] |", [["rude1998"]]),
    ("a [link whose text cites [@key]](https://example.org/)", [["key"]]),
    ("[see @x](https://example.org/)", [["x"]]),
    ("[@x][ref]\n\n[ref]: https://example.org/", [["x"]]),
    ("[@x]\n\n[@x]: https://example.org/", [["x"], ["x"]]),
    ("@a says so", [["a"]]),
    ("@a [p. 4] says so", [["a"]]),
    ("@a [p. 4; @b] say so", [["a", "b"]]),
    ("@a [@b] [@c]", [["a", "b"], ["c"]]),
    ('As (@a) and "@b" and *@c*', [["a"], ["b"], ["c"]]),
    ("@a@b", [["a"], ["b"]]),
    ("[[@a]]", [["a"]]),
    ("[@a, see [x]]", [["a"]]),
    ("[@a, `x;y`]", [["a"]]),
    ("write to a@b.com or x.@y", []),
    ("[mail a@b.com]", []),
    ("[@]", []),
    ("[@.a]", []),
    ("[@ a]", []),
    ("\\[\\@x]", []),
    ("`[@x]` and `@y`", []),
    ("```\n[@x]\n```", []),
    ("    [@x] indented code", []),
    ('<a href="http://example.com">[@x]</a>', [["x"]]),
    ("<div>\n\n[@x]\n\n</div>", [["x"]]),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), AS_PANDOC_READS)
def test_citations_are_read_as_pandoc_reads_them(text, expected):
    assert groups(text) == expected


@pytest.mark.parametrize(("text", "expected"), AS_PANDOC_READS)
def test_pandoc_reads_the_same_citations(text, expected):
    keys = {key for group in expected for key in group} | {"a", "b", "c", "x"}

    assert pandoc.citation_keys(text, bibliography(keys)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Intro [@c; @a]. Then [see @b, p. 3; also -@a]. @d says [p. 4; @c]. [@e][@b]",
        "## Magnesium [@m]\n\n| A | B |\n|---|---|\n| x [@t] | [see @m] |\n\n> quote [@q; @t]\n\n- [@z]",
        "A [link citing [@l]](https://example.org/) then *[see @e]* and **@f**.",
    ],
)
def test_numbers_follow_first_appearance_as_pandoc_numbers_them(text):
    keys = cited_keys([text])

    assert list(number_keys(keys)) == pandoc.numbering(text, bibliography(keys))


def test_prefix_suffix_and_suppressed_author_are_kept():
    assert items("[see @ada1999, pp. 33-35; also -@bernard1998, chap. 1]") == [
        (CiteItem("ada1999", "see", ", pp. 33-35"), CiteItem("bernard1998", "also", ", chap. 1", True))
    ]
    assert items("@a [p. 4; see @b]") == [(CiteItem("a", "", "p. 4"), CiteItem("b", "see"))]


def test_textual_and_bracketed_citations_are_told_apart():
    (textual,), (bracketed,) = extract_citations("@a says"), extract_citations("[@a]")

    assert (textual.textual, textual.source) == (True, "@a")
    assert (bracketed.textual, bracketed.source) == (False, "[@a]")


# Looks like a citation, is not read as one: refused, with what to write instead.
@pytest.mark.parametrize(
    ("text", "snippet", "advice"),
    [
        ("A typo [@ rude1998].", "[@ rude1998]", "Write “[@rude1998]” to cite"),
        ("Unclosed [@a;@b and more", "[@a;@b and more", "Write “[@a; @b and more]” to cite"),
        ("Unclosed [@a;@b", "[@a;@b", "Write “[@a; @b]” to cite"),
        ("Empty item [@a;]", "[@a;]", "Write “[@a]” to cite"),
        ("[@]", "[@]", "write \\@ to show an @ sign"),
        ("[@.a]", "[@.a]", "Write citations as [@key]"),
        ("[see; @a]", "[see; @a]", "Write citations as [@key]"),
        ("[@a, cf. @b]", "[@a, cf. @b]", "Write “[@a; cf. @b]” to cite"),
        ("[@a, p. 4, see @b]", "[@a, p. 4, see @b]", "Write “[@a, p. 4; see @b]” to cite"),
        ("Escaped \\[@a]", "\\[@a]", "Write citations as [@key]"),
        ("- a list [ @ a ] item", "[ @ a ]", "Write “[ @a ]” to cite"),
        ("<div>\n[@x] and @y\n</div>", "[@x]", "leave a blank line after its opening tag"),
    ],
)
def test_near_misses_are_problems_naming_the_text_and_the_fix(text, snippet, advice):
    problem, *_ = citation_problems(text)

    assert problem.text == snippet
    assert advice in problem.advice
    assert str(problem).startswith(f"“{snippet}” is not read as a citation.")


@pytest.mark.parametrize(
    "text",
    [
        "[mail a@b.com]",
        "[see @a]",
        "[[@a]]",
        "email @ home",
        "\\[\\@a]",
        "`[@ a]`",
        "[a link @ home](https://example.org/)",
        "[see @x](https://example.org/)",
        "@a [p. 4]",
    ],
)
def test_no_problem_where_everything_is_read_or_plainly_text(text):
    assert citation_problems(text) == []


def test_page_ranges_in_locators_get_an_en_dash():
    html = markdown_parser().render("[see @a, pp. 33-35 and passim; @b, 1305-12; @c, fig. 2-3; @d, and 4-5]")

    assert "pp. 33\u201335 and passim" in html
    assert ", 1305\u201312" in html
    assert "fig. 2\u20133" in html
    assert "and 4-5" in html  # not a locator: left as written


def test_parse_is_repeatable():
    assert parse_citations("[@a; see @b]") == parse_citations("[@a; see @b]")
