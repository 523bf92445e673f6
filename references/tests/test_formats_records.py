import codecs
import datetime
import re

import pytest

from references.formats.records import (
    RECORD_FIELDS,
    ParseError,
    build_record,
    check_tagged_records,
    date_from,
    decode_latex_accents,
    decode_text,
    duplicate_signature,
    empty_record,
    isbn_from,
    make_key,
    match_keys,
    normalize_pages,
    read_text,
    repair_mojibake,
    slugify_key,
    strip_markup,
    year_from,
)


def make_record(**overrides) -> dict:
    fields = {"title": "Magnesium and muscle cramps", "authors": [{"family": "Rude", "given": "R. K."}]}
    return build_record(**{"type": "article-journal", "issued_year": 1998, **fields, **overrides})


def test_empty_record_has_every_field_empty():
    record = empty_record()

    assert tuple(record) == RECORD_FIELDS
    assert record["authors"] == [] and record["editors"] == []
    assert record["issued_year"] is None and record["accessed"] is None
    assert record["title"] == ""


def test_build_record_tidies_text_and_identifiers():
    record = build_record(
        type="article-journal",
        key="doi:10.1080/x",
        title="  Magnesium\n  and   <i>cramps</i> ",
        authors=[{"family": " Rude ", "given": ""}, {"literal": "World  Health Organization"}, {"given": ""}],
        pages="749 -- 758",
        doi="https://doi.org/10.1080/07315724.1998.10718813",
        pmid="PMID: 9850106",
        pmcid="1234",
        abstract="<jats:p>First &amp; second</jats:p><jats:p>Third</jats:p>",
        note="line one  \n\n  line two",
    )

    assert record["key"] == "doi-10-1080-x"
    assert record["title"] == "Magnesium and cramps"
    assert record["authors"] == [{"family": "Rude"}, {"literal": "World Health Organization"}]
    assert record["pages"] == "749-758"
    assert record["doi"] == "10.1080/07315724.1998.10718813"
    assert record["pmid"] == "9850106"
    assert record["pmcid"] == "PMC1234"
    assert record["abstract"] == "First & second Third"
    assert record["note"] == "line one\nline two"


def test_build_record_refuses_a_type_cramps_does_not_store():
    with pytest.raises(ValueError, match="broadcast"):
        build_record(type="broadcast")


def test_decode_text_utf8_with_bom_and_crlf():
    assert (
        decode_text(codecs.BOM_UTF8 + "TY  - JOUR\r\nAU  - Müller\r\n".encode())
        == "TY  - JOUR\nAU  - Müller\n"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_decode_text_utf16_with_bom(encoding):
    data = "TY  - JOUR\r\nTI  - Crampes musculaires\r\n".encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data

    assert decode_text(data) == "TY  - JOUR\nTI  - Crampes musculaires\n"


def test_decode_text_falls_back_to_windows_1252():
    assert decode_text("“Crampes” – été".encode("cp1252")) == "“Crampes” – été"


def test_decode_text_reads_bytes_undefined_in_windows_1252_as_latin_1():
    assert decode_text(b"caf\xe9 \x81") == "café \x81"


def test_read_text_refuses_empty_files():
    with pytest.raises(ParseError, match="empty"):
        read_text(b"  \n\n")


def test_read_text_refuses_binary_files():
    with pytest.raises(ParseError, match="binary"):
        read_text(b"%PDF-1.5\n\x00\x01\x02\xff\xfe\x00stream")


def test_read_text_explains_utf16_without_bom():
    with pytest.raises(ParseError, match="UTF-16"):
        read_text("TY  - JOUR\nTI  - Cramps\nER  - \n".encode("utf-16-le"))


def test_repair_mojibake_undoes_double_encoding():
    assert repair_mojibake("a Ã¢Â\x80Â\x98Sailing RockÃ¢Â\x80Â\x99") == "a ‘Sailing Rock’"
    assert repair_mojibake("CafÃ©") == "Café"


@pytest.mark.parametrize("text", ["Peñalver", "Álvarez-Parra", "Викторов", "Ä,Ö,Ü,ä,ö,ü,ß", "plain"])
def test_repair_mojibake_leaves_correct_text_alone(text):
    assert repair_mojibake(text) == text


def test_strip_markup_keeps_comparisons():
    assert strip_markup("p < 0.05 and <i>E. coli</i> > 2") == "p < 0.05 and E. coli > 2"


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"Exposici\'on Metodolog\'ias", "Exposición Metodologías"),
        (r"C{\'e}sar{\"u}", "Césarü"),
        (r"{\'{E}}douard", "Édouard"),
        (r"Fran\c{c}ois Dvo\v{r}\'ak", "François Dvořák"),
        (r"na\"{\i}ve", "naïve"),
        ("no accents here", "no accents here"),
    ],
)
def test_decode_latex_accents(latex, text):
    assert decode_latex_accents(latex) == text


@pytest.mark.parametrize(
    ("value", "pages"), [("749--758", "749-758"), ("44–59", "44-59"), ("e0815", "e0815")]
)
def test_normalize_pages(value, pages):
    assert normalize_pages(value) == pages


@pytest.mark.parametrize(
    ("value", "year"), [("2014//", 2014), ("2020 Feb", 2020), ("vol. 12345", None), ("", None), (1962, 1962)]
)
def test_year_from(value, year):
    assert year_from(value) == year


@pytest.mark.parametrize(
    ("value", "date"),
    [
        ("2019/03/12/T20:12:22Z", datetime.date(2019, 3, 12)),
        ("2019-03-12TZ", datetime.date(2019, 3, 12)),
        ("2019", None),
        ("2019-02-30", None),
    ],
)
def test_date_from(value, date):
    assert date_from(value) == date


@pytest.mark.parametrize(
    ("value", "isbn"),
    [
        ("0006-2960", ""),
        ("0000-0000 9999-9999", ""),
        ("978-0-12-345678-9 (Print)", "978-0-12-345678-9"),
        ("0-19-852663-6", "0-19-852663-6"),
    ],
)
def test_isbn_from(value, isbn):
    assert isbn_from(value) == isbn


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("doi:10.7554/elife.32822", "doi-10-7554-elife-32822"),
        ("Müller2001", "Muller2001"),
        ("a b__c", "a-b__c"),
        (" :: ", ""),
    ],
)
def test_slugify_key(value, key):
    assert slugify_key(value) == key


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
    assert duplicate_signature(record) == ("doi", "10.1080/abc")


def test_match_keys_title_ignores_case_and_punctuation():
    a = make_record(title="Magnesium and muscle cramps.", authors=[{"family": "RUDE", "given": "R"}])
    b = make_record(title="MAGNESIUM AND MUSCLE CRAMPS")

    assert match_keys(a) == match_keys(b)


def test_match_keys_for_a_record_with_nothing_to_match():
    record = empty_record()

    assert match_keys(record) == []
    assert duplicate_signature(record) == ()


def _tag_of(line: str) -> str | None:
    return line[:2] if line[2:5] == "  -" else None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("TY  - JOUR\nTI  - A\n", "record 1 (line 1) has no ER line; the file looks truncated"),
        (
            "TI  - A\nER  - \n",
            "line 1: the TI line is outside any record; every record must start with a TY line",
        ),
        ("TY  - JOUR\nTY  - BOOK\nER  - \n", "line 2: record 2 starts before record 1 (line 1) has ended"),
        ("just text\n", "No RIS records found"),
    ],
)
def test_check_tagged_records_errors(text, message):
    with pytest.raises(ParseError, match=re.escape(message)):
        check_tagged_records(text.split("\n"), _tag_of, start="TY", end="ER", format_name="RIS")


def test_check_tagged_records_counts_records():
    text = "1.\nTY  - JOUR\nER  - \n\nTY  - BOOK\nER  - \n"

    assert check_tagged_records(text.split("\n"), _tag_of, start="TY", end="ER", format_name="RIS") == 2
