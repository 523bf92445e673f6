"""``references.matching``: the one "same work" rule, the one batch duplicate check, and keys."""

import pytest

from references.matching import compatible_types, find_matches, make_key, match_keys
from references.record import build_record, empty_record


def make_record(**overrides) -> dict:
    fields = {"title": "Magnesium and muscle cramps", "authors": [{"family": "Rude", "given": "R. K."}]}
    return build_record(**{"type": "article-journal", "issued_year": 1998, **fields, **overrides})


def test_make_key_from_first_author_and_year():
    assert make_key(make_record(), set()) == "rude1998"


def test_make_key_adds_letters_for_taken_keys():
    record = make_record()
    taken = {"rude1998", "rude1998a"}

    assert make_key(record, taken) == "rude1998b"
    assert taken == {"rude1998", "rude1998a"}


def test_make_key_goes_past_z():
    taken = {"rude1998"} | {f"rude1998{letter}" for letter in "abcdefghijklmnopqrstuvwxyz"}

    assert make_key(make_record(), taken) == "rude1998aa"


@pytest.mark.parametrize(
    ("authors", "year", "key"),
    [
        ([{"family": "Álvarez-Parra", "given": "Sergio"}], 2023, "alvarezparra2023"),
        ([{"family": "O'Connor"}], 2019, "oconnor2019"),
        ([{"family": "Викторов", "given": "Михаил"}], 1977, "viktorov1977"),
        ([{"literal": "World Health Organization"}], 2021, "who2021"),
        ([{"literal": "Cochrane"}], 2020, "cochrane2020"),
        ([], None, "anonnd"),
        ([{"family": "李"}], 2020, "anon2020"),
    ],
)
def test_make_key_names(authors, year, key):
    assert make_key(make_record(authors=authors, issued_year=year), set()) == key


def test_match_keys_in_priority_order():
    record = make_record(doi="10.1080/ABC", pmid="9850106", title="Magnesium: and Muscle Cramps!")

    assert match_keys(record) == [
        ("doi", "10.1080/abc"),
        ("pmid", "9850106"),
        ("title", "magnesiumandmusclecramps", "rude", 1998),
    ]


def test_match_keys_title_ignores_case_and_punctuation():
    a = make_record(title="Magnesium and muscle cramps.", authors=[{"family": "RUDE", "given": "R"}])
    b = make_record(title="MAGNESIUM AND MUSCLE CRAMPS")

    assert match_keys(a) == match_keys(b)


def test_match_keys_for_a_record_with_nothing_to_match():
    assert match_keys(empty_record()) == []


@pytest.mark.parametrize(
    ("first", "second", "compatible"),
    [
        ("article-journal", "article-journal", True),
        ("article-journal", "paper-conference", True),
        ("article-journal", "book", False),
        ("book", "chapter", False),
        ("book", "report", True),
        ("document", "book", True),
        ("webpage", "dataset", False),
    ],
)
def test_compatible_types(first, second, compatible):
    assert compatible_types(first, second) is compatible
    assert compatible_types(second, first) is compatible


def test_find_matches_against_stored_records_and_earlier_ones():
    stored = [(7, make_record(doi="10.1000/a")), (8, make_record(title="Magnesium", pmid="3296589"))]
    records = [
        make_record(title="Cramps", authors=[{"family": "Garrison"}]),
        make_record(doi="10.1000/A", title="Something else"),  # the stored work, by DOI
        make_record(title="Magnesium", pmid="3296589"),
        make_record(doi="https://doi.org/10.1000/a"),  # repeats record 1 (claims stored 7 too)
        make_record(title="CRAMPS!", authors=[{"family": "Garrison", "given": "S"}]),  # repeats record 0
    ]

    matches = find_matches(records, stored)

    assert matches[0] is None
    assert (matches[1].stored, matches[1].reason) == (7, "same DOI 10.1000/a")
    assert (matches[2].stored, matches[2].reason) == (8, "same PMID 3296589")
    assert (matches[3].earlier, matches[3].stored) == (1, None)
    assert (matches[4].earlier, matches[4].reason) == (0, "same title, first author and year")


def test_a_book_and_an_article_with_one_title_author_and_year_are_two_works():
    book = make_record(type="book", title="Magnesium in health and disease")
    article = make_record(type="article-journal", title="Magnesium in health and disease")

    assert find_matches([article], [(1, book)]) == [None]
    assert find_matches([book, article]) == [None, None]
    assert find_matches([article, make_record(type="document", title="Magnesium in health and disease")])[1]


def test_identifiers_match_whatever_the_types():
    book = make_record(type="book", doi="10.1000/x")

    assert find_matches([make_record(type="chapter", doi="10.1000/x")], [(1, book)])[0].stored == 1
