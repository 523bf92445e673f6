import pytest
from hypothesis import given
from hypothesis import strategies as st

from references.csl import format_bibliography
from references.pages import format_pages, same_pages

from . import pandoc

STYLES = ["nlm-citation-sequence", "elsevier-vancouver", "american-medical-association"]
# What pandoc --citeproc prints for each page field: minimal (NLM, Elsevier) and expanded (AMA).
PAGES = [
    ("1305-12", "1305\u201312", "1305-1312"),
    ("749-58", "749\u201358", "749-758"),
    ("S42-5", "S42\u20135", "S42-5"),
    ("S42-S45", "S42\u20135", "S42-S45"),
    ("e123-9", "e123\u20139", "e123-9"),
    ("e123\u2013e129", "e123\u20139", "e123-e129"),
    ("CR326-30", "CR326\u201330", "CR326-30"),
    ("643S-9S", "643S\u20139S", "643S-9S"),
    ("542-5", "542\u20135", "542-545"),
    ("100-104", "100\u20134", "100-104"),
    ("1496-1504", "1496\u2013504", "1496-1504"),
    ("13792-803", "13792\u2013803", "13792-13803"),
    ("1-3, 7-9", "1\u20133, 7\u20139", "1-3, 7-9"),
    ("iii-xii", "iii\u2013xii", "iii-xii"),
    ("12--15", "12--15", "12--15"),
    ("CD009402", "CD009402", "CD009402"),
]


@pytest.mark.parametrize(("pages", "minimal", "expanded"), PAGES)
def test_format_pages(pages, minimal, expanded):
    assert format_pages(pages, "minimal") == minimal
    assert format_pages(pages, "expanded", "-") == expanded


@pytest.mark.parametrize(
    ("pages", "range_format", "expected"),
    [
        ("33-35", None, "33\u201335"),
        ("1305-12", None, "1305\u201312"),
        ("42-45", "minimal-two", "42\u201345"),
        ("321-28", "minimal-two", "321\u201328"),
        ("321-28", "chicago", "321\u201328"),
        ("1100-1113", "chicago", "1100\u20131113"),
        ("107-08", "chicago", "107\u20138"),
        ("1496-1504", "chicago", "1496\u20131504"),
        ("71-72", "chicago", "71\u201372"),
    ],
)
def test_format_pages_other_formats(pages, range_format, expected):
    assert format_pages(pages, range_format) == expected


def journal_article(item_id: str, pages: str) -> dict:
    return {"id": item_id, "type": "article-journal", "title": "Magnesium and cramps",
            "author": [{"literal": "Cramp Study Group"}], "container-title": "J Cramp Stud",
            "issued": {"date-parts": [[1998]]}, "volume": "13", "issue": "4", "page": pages}  # fmt: skip


@pytest.mark.parametrize("style", STYLES)
def test_page_ranges_print_as_pandoc_prints_them(style):
    items = [journal_article(f"item{n}", pages) for n, (pages, _, _) in enumerate(PAGES)]

    ours = {key: pandoc.plain_text(entry) for key, entry in format_bibliography(items, style).items()}

    assert ours == pandoc.bibliography(items, style=style)


@pytest.mark.parametrize("style", STYLES)
def test_abbreviated_ranges_in_vancouver_entries(style):
    entries = format_bibliography([journal_article("a", "1305-12"), journal_article("b", "S42-5")], style)

    expected = {
        "nlm-citation-sequence": ("1998;13(4):1305\u201312.", "1998;13(4):S42\u20135."),
        "elsevier-vancouver": ("1998;13:1305\u201312.", "1998;13:S42\u20135."),
        "american-medical-association": ("1998;13(4):1305-1312.", "1998;13(4):S42-5."),
    }[style]
    assert (entries["a"].endswith(expected[0]), entries["b"].endswith(expected[1])) == (True, True), entries


@given(
    st.integers(min_value=1, max_value=99999),
    st.integers(min_value=0, max_value=99999),
    st.sampled_from(["", "S", "e", "CR"]),
)
def test_minimal_ranges_keep_every_changed_digit(first, last, prefix):
    start, end = str(first), str(max(first, last))
    shown = format_pages(f"{prefix}{start}-{prefix}{end}", "minimal")

    written_start, _, written_end = shown.partition("\u2013")
    assert written_start == f"{prefix}{start}"
    # The reader can complete the end from the start's leading digits.
    completed = start[: len(start) - len(written_end)] + written_end
    assert completed == end or len(end) > len(start)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("CR326–30", "CR326-CR330"),
        ("CR326-30", "CR326--330"),
        ("1305-12", "1305–1312"),
        ("S42-5", "S42-S45"),
        ("643S-9S", "643S-649S"),
        ("e123-9", "e123 – e129"),
        ("33-35, 40", "33–35,40"),
        ("CD009402", "CD009402"),
    ],
)
def test_same_pages_however_written(first, second):
    assert same_pages(first, second) and same_pages(second, first)


@pytest.mark.parametrize(
    ("first", "second"),
    [("CR326-30", "CR326-31"), ("1305-12", "1305-1322"), ("33-35", "33-35, 40"), ("S42-5", "42-45")],
)
def test_other_pages_differ(first, second):
    assert not same_pages(first, second)
