import datetime

import pytest

from references.formats import ParseError, ris
from references.record import build_record
from references.tests import factories


def read(samples, name: str) -> list[dict]:
    return ris.parse((samples / "ris" / name).read_bytes())


def test_example_full_skips_numbering_lines_and_reads_old_tags(samples):
    first, second = read(samples, "example_full.ris")

    assert first["type"] == "article-journal"
    assert first["title"] == "Title of reference"
    assert first["authors"] == [
        {"family": "Marx", "given": "Karl"},
        {"family": "Lindgren", "given": "Astrid"},
    ]
    assert first["editors"] == [{"family": "Glattauer", "given": "Daniel"}]
    assert first["issued_year"] == 2014
    assert first["container_title"] == "Lorem"
    assert first["container_title_short"] == "lorem"
    assert (first["volume"], first["issue"], first["pages"]) == ("9", "3", "e0815")
    assert (first["publisher"], first["publisher_place"]) == ("Fun Factory", "United States")
    assert first["abstract"].startswith("BACKGROUND: Lorem ipsum dolor sit amet")
    assert first["url"] == "http://example_url.com"
    assert first["isbn"] == ""  # SN 1932-6208 is an ISSN
    assert first["key"] == ""  # ID 12345 is EndNote's record number, not a citation key
    assert (second["title"], second["issued_year"], second["pages"]) == (
        "The title of the reference",
        2006,
        "e0815341",
    )


def test_endnote_continuation_lines(samples):
    [record] = read(samples, "example_endnote.ris")

    assert record["title"] == "EndNote: The Only Reference I Can Remember"
    assert [name["family"] for name in record["authors"]] == ["Smith", "Doe", "End", "Ref"]
    assert record["authors"][0] == {"family": "Smith", "given": "A. Nonymous"}
    assert record["container_title"] == "Journal of Reference Management"
    assert record["doi"] == "10.1234/endnote.joke.2024"
    assert (record["issued_year"], record["volume"], record["issue"], record["pages"]) == (
        2024,
        "1",
        "42",
        "1-2",
    )
    assert record["url"] == "https://www.endnote.com/"
    # EndNote's N1 ("L0000000000…") is the owner's jotting: not imported, and listed as such.
    assert record["note"] == ""
    assert "N1 (notes)" in ris.parse((samples / "ris" / "example_endnote.ris").read_bytes()).unused


def test_utf8_bom_cyrillic_and_non_standard_type(samples):
    [record] = read(samples, "example_utf_chars.ris")

    assert record["type"] == "article-journal"  # "TY  - Journal Article"
    assert record["title"].startswith("Состояние рецепторного аппарата эндометрия")  # from ST: there is no TI
    assert record["authors"][0] == {"family": "Dobrokhotova", "given": "Yu E."}
    assert len(record["authors"]) == 5
    assert record["container_title"] == "Gynecology, Obstetrics and Perinatology"
    assert (record["issued_year"], record["volume"], record["issue"], record["pages"]) == (
        2009,
        "8",
        "3",
        "52-57",
    )
    assert record["abstract"].endswith("endometrial hyperplasia in the late reproductive period")


def test_zotero_export(samples):
    article, page = read(samples, "manubot-bibliography.ris")

    assert article["title"] == "Sci-Hub provides access to nearly all scholarly literature"
    assert len(article["authors"]) == 7
    assert article["authors"][5] == {"family": "Greshake Tzovaras", "given": "Bastian"}
    assert (article["container_title"], article["issued_year"], article["volume"]) == ("eLife", 2018, "7")
    assert article["doi"] == "10.7554/elife.32822"
    assert article["accessed"] == datetime.date(2019, 3, 12)
    assert page["type"] == "webpage"
    assert (
        page["title"] == "TechBlog: ‘Manubot’ powers a crowdsourced ‘deep-learning’ review : Naturejobs Blog"
    )
    assert page["authors"] == []
    assert page["issued_year"] is None


def test_web_of_science_export_saved_as_ris_is_read(samples):
    first, second = read(samples, "example_wos.ris")

    assert first["doi"] == "10.1021/bi049798f"
    assert second["pmid"] == "15170339"


def test_crlf_line_endings():
    data = b"TY  - JOUR\r\nAU  - Rude, Robert K\r\nTI  - Magnesium deficiency\r\nPY  - 1998\r\nER  - \r\n"

    [record] = ris.parse(data)

    assert record["title"] == "Magnesium deficiency"
    assert record["authors"] == [{"family": "Rude", "given": "Robert K"}]


def test_utf16_with_bom():
    text = "TY  - JOUR\nAU  - Müller, Jürgen\nTI  - Crampes\nER  - \n"

    [record] = ris.parse(text.encode("utf-16"))

    assert record["authors"] == [{"family": "Müller", "given": "Jürgen"}]


def test_windows_1252_file():
    [record] = ris.parse(
        "TY  - JOUR\nTI  - Crampes “nocturnes”\nAU  - Lefèvre, Zoé\nER  - \n".encode("cp1252")
    )

    assert record["title"] == "Crampes “nocturnes”"
    assert record["authors"] == [{"family": "Lefèvre", "given": "Zoé"}]


@pytest.mark.parametrize(
    ("tag", "csl_type"),
    [
        ("JOUR", "article-journal"),
        ("EJOUR", "article-journal"),
        ("BOOK", "book"),
        ("CHAP", "chapter"),
        ("CONF", "paper-conference"),
        ("CPAPER", "paper-conference"),
        ("RPRT", "report"),
        ("THES", "thesis"),
        ("ELEC", "webpage"),
        ("DATA", "dataset"),
        ("Book Section", "chapter"),
        ("PAT", "document"),
    ],
)
def test_types(tag, csl_type):
    [record] = ris.parse(f"TY  - {tag}\nTI  - T\nER  - \n")

    assert record["type"] == csl_type


def test_identifiers_from_notes_and_accession_numbers():
    text = (
        "TY  - JOUR\nTI  - A\nN1  - PMID: 9850106\nC2  - PMCID: PMC1234567\nID  - rude1998\nER  - \n\n"
        "TY  - JOUR\nTI  - B\nAN  - 24765572\nDB  - PubMed\n"
        "UR  - https://doi.org/10.7717/PEERJ.338\nER  - \n\n"
        "TY  - JOUR\nTI  - C\nAN  - 24765572\nDB  - CINAHL\nER  - \n"
    )

    first, second, third = ris.parse(text)

    assert (first["pmid"], first["pmcid"], first["key"]) == ("9850106", "PMC1234567", "rude1998")
    assert (second["pmid"], second["doi"]) == ("24765572", "10.7717/peerj.338")
    assert third["pmid"] == ""


def test_isbn_only_when_sn_is_one():
    text = "TY  - BOOK\nSN  - 978-0-19-852663-6\nER  - \n\nTY  - JOUR\nSN  - 0006-2960\nER  -\n"

    book, article = ris.parse(text)

    assert (book["isbn"], article["isbn"]) == ("978-0-19-852663-6", "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "TY  - JOUR\nTI  - Cut short\nAU  - Rude, R\n",
            "record 1 (line 1) has no ER line; the file looks truncated",
        ),
        (
            "TY  - JOUR\nTI  - A\nER  - \n\nTY  - JOUR\nTI  - B\n",
            "record 2 (line 5) has no ER line; the file looks truncated",
        ),
        ("AU  - Rude, R\nTI  - No type\nER  - \n", "line 1: the AU line is outside any record"),
        (
            "TY  - JOUR\nTI  - A\nTY  - JOUR\nER  - \n",
            "line 3: record 2 starts before record 1 (line 1) has ended",
        ),
        ("Title: not RIS at all\n", "No RIS records found"),
        ("", "The file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("TY  - JOUR\nTI  - x\nER  - \n".encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
    ],
)
def test_malformed_files(text, message):
    with pytest.raises(ParseError) as error:
        ris.parse(text)

    assert message in str(error.value)


def make_record(**overrides) -> dict:
    """A record with a family-only person and an organisation among its authors."""
    authors = [{"family": "Rude", "given": "Robert K"}, {"family": "WINTER"}, {"literal": "WHO"}]
    return factories.make_record(**{"authors": authors, **overrides})


def test_round_trip():
    records = [
        make_record(),
        make_record(
            type="webpage", key="who2021", authors=[{"literal": "World Health Organization"}], pages="e12"
        ),
        make_record(type="chapter", key="", title="Ünderwood’s “chapter”", authors=[{"family": "Ünderwood"}]),
    ]

    # Notes are written (N1) but not read back: in a RIS file they are the owner's jottings.
    assert ris.parse(ris.dump(records)) == [record | {"note": ""} for record in records]


def test_dump_writes_plain_ris():
    text = ris.dump([make_record()])

    assert text.startswith("TY  - JOUR\n")
    assert "AU  - Rude, Robert K\n" in text
    assert "SP  - 749\nEP  - 58\n" in text
    assert "AN  - 9556074\n" in text
    assert text.rstrip().endswith("ER  -")


def test_an_organisation_with_a_comma_survives_a_ris_round_trip():
    record = build_record(type="report", title="Dietary Reference Intakes", issued_year=1997,
                          authors=[{"literal": "Institute of Medicine, Food and Nutrition Board"}, {"family": "Plato"}])  # fmt: skip

    text = ris.dump([record])

    assert "AU  - {Institute of Medicine, Food and Nutrition Board}\n" in text
    assert ris.parse(text)[0]["authors"] == record["authors"]


def test_an_is_a_pmid_when_no_other_database_is_named():
    text = (
        "TY  - JOUR\nTI  - A\nAN  - 32956536\nER  - \n\n"
        "TY  - JOUR\nTI  - B\nAN  - 104567890\nER  - \n\n"  # nine digits: not a PMID
        "TY  - JOUR\nTI  - C\nAN  - 32956536\nDB  - Embase\nER  - \n\n"
        "TY  - JOUR\nTI  - D\nAN  - WOS:000298449100001\nER  - \n"
    )

    assert [record["pmid"] for record in ris.parse(text)] == ["32956536", "", "", ""]
