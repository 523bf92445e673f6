"""``references.formats.table``: CSV, Excel and JSON spreadsheets as records; formula cells."""

import datetime
import io
import zipfile

import openpyxl
import pytest

from references.formats import ParseError, read_file
from references.formats.table import (
    XLSX_MAX_UNPACKED_BYTES,
    column_key,
    escape_formula,
    parse_csv,
    parse_json_rows,
    parse_xlsx,
    unescape_formula,
)


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_formulae_are_neutralised_and_restored(value):
    assert escape_formula(value) == "'" + value
    assert unescape_formula(escape_formula(value)) == value


@pytest.mark.parametrize("value", ["749-758", "Rude, RK", "'quoted'", "", None, 1998])
def test_other_cells_are_left_alone(value):
    assert escape_formula(value) == value
    assert unescape_formula(value) == value


@pytest.mark.parametrize(
    ("header", "key"),
    [("Source title", "source_title"), ("Author(s) ID", "author_s_id"), ("container-title", "container_title"),
     ("\ufeffAuthors", "authors"), ("Journal/Book", "journal_book")],
)  # fmt: skip
def test_column_key(header, key):
    assert column_key(header.lstrip("\ufeff")) == key


def test_cramps_columns_and_an_escaped_formula():
    [record] = parse_csv(
        b"key,type,title,authors,issued_year,pages,note,accessed\n"
        b'x,book,\'=HYPERLINK("http://evil"),"Rude, RK; {A, B}",1998,749-58,\'@me,2020-02-03\n'
    )

    assert record["title"] == '=HYPERLINK("http://evil")'
    assert record["note"] == "@me"
    assert record["authors"] == [{"family": "Rude", "given": "RK"}, {"literal": "A, B"}]
    assert (record["type"], record["issued_year"], record["accessed"]) == (
        "book",
        1998,
        datetime.date(2020, 2, 3),
    )


@pytest.mark.parametrize(
    "data",
    [
        "key,title\nrude1998,Magnésium\n".encode(),
        "\ufeffkey,title\nrude1998,Magnésium\n".encode("utf-8"),
        "key,title\r\nrude1998,Magnésium\r\n".encode("cp1252"),
        "\ufeffkey,title\nrude1998,Magnésium\n".encode("utf-16-le"),
        "\ufeffkey,title\nrude1998,Magnésium\n".encode("utf-16-be"),
        "key;title\nrude1998;Magnésium\n".encode(),
        "key\ttitle\nrude1998\tMagnésium\n".encode(),
    ],
    ids=["utf-8", "utf-8 BOM", "Windows-1252 CRLF", "UTF-16 LE BOM", "UTF-16 BE BOM", "semicolons", "tabs"],
)
def test_csv_encodings_and_separators(data):
    [record] = read_file("refs.csv", data)

    assert (record["key"], record["title"]) == ("rude1998", "Magnésium")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("key,title\nrude1998,Magnesium\n".encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
        (b"", "The file is empty."),
        (b"%PDF-1.4\x00\x01\x02\x03binary", "This is a binary file"),
        (b'key,title\nrude1998,"Magnesium def', "CSV, line 2: unexpected end of data (is the file truncated?)"),
        (b"Item Type,Publication Year,Author\njournalArticle,2001,X\n",
         "The file has no “title” column, so no row can be read. Its columns: Item Type, Publication Year, Author."),
    ],
)  # fmt: skip
def test_unreadable_csv(data, message):
    with pytest.raises(ParseError) as raised:
        read_file("refs.csv", data)

    assert message in str(raised.value)


def test_short_rows_are_padded():
    [record] = parse_csv(b"title,year,doi\nMagnesium,1998\n")

    assert (record["title"], record["issued_year"], record["doi"]) == ("Magnesium", 1998, "")


def test_pubmed_csv_citation_fills_volume_issue_and_pages():
    data = (
        b"PMID,Title,Authors,Citation,First Author,Journal/Book,Publication Year,Create Date,PMCID,NIHMS ID,DOI\n"
        b'9556074,Magnesium deficiency,"Rude RK, Wester PO.","J Bone Miner Res. 1998 Apr;13(4):749-58. doi: '
        b'10.1359/jbmr.1998.13.4.749.",Rude RK,J Bone Miner Res,1998,1998/04/30,,,10.1359/jbmr.1998.13.4.749\n'
    )

    parsed = parse_csv(data)

    [record] = parsed
    assert record["authors"] == [{"family": "Rude", "given": "RK"}, {"family": "Wester", "given": "PO."}]
    assert (record["volume"], record["issue"], record["pages"]) == ("13", "4", "749-58")
    assert (record["pmid"], record["container_title"], record["issued_year"]) == (
        "9556074",
        "J Bone Miner Res",
        1998,
    )
    assert parsed.unused == ["Create Date"]


def test_web_of_science_tab_delimited_export():
    data = (
        b"PT\tAU\tAF\tTI\tSO\tPY\tVL\tBP\tEP\tAR\tDI\tUT\n"
        b"J\tRude, RK\tRude, Robert K.\tMagnesium deficiency\tJ BONE MINER RES\t1998\t13\t749\t758\t\t"
        b"10.1359/jbmr.1998.13.4.749\tWOS:1\n"
        b"J\tSmith, J\tSmith, John\tArticle numbers\tFRONT PHYSIOL\t2020\t11\t\t\tUNSP 1722034\t\tWOS:2\n"
    )

    first, second = read_file("savedrecs.txt", data)

    assert first["authors"] == [{"family": "Rude", "given": "Robert K."}]
    assert (first["pages"], first["container_title"], first["type"]) == ("749-758", "J BONE MINER RES",
                                                                          "article-journal")  # fmt: skip
    assert second["pages"] == "1722034"


def test_unknown_type_is_read_with_a_warning():
    parsed = parse_csv(b"title,type,journal\nA,Editorial,J\nB,Hologram,J\nC,Hologram,\n")

    assert [record["type"] for record in parsed] == ["article-journal", "article-journal", "document"]
    assert [(w.record, w.field) for w in parsed.warnings()] == [(2, "type"), (3, "type")]


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def test_xlsx_numbers_and_dates():
    [record] = parse_xlsx(workbook([["title", "volume", "issued_year", "accessed"],
                                    ["Magnesium", 13.0, 1998, datetime.datetime(2020, 2, 3)]]))  # fmt: skip

    assert (record["volume"], record["issued_year"], record["accessed"]) == (
        "13",
        1998,
        datetime.date(2020, 2, 3),
    )


def test_truncated_workbook():
    data = workbook([["key", "title"], ["x", "y"]])

    with pytest.raises(ParseError, match=r"not a readable Excel \(.xlsx\) workbook.*truncated"):
        read_file("refs.xlsx", data[: len(data) // 2])


def _with_sheet(data: bytes, sheet: bytes) -> bytes:
    """``data`` (a workbook) with its first sheet replaced by ``sheet``."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(
                info, sheet if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            )
    return target.getvalue()


def test_workbook_declaring_millions_of_rows_is_refused_before_parsing():
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><dimension ref="A1:B3000000"/><sheetData><row r="1"><c r="A1" t="inlineStr">'
        b"<is><t>title</t></is></c></row></sheetData></worksheet>"
    )

    with pytest.raises(
        ParseError, match="This workbook's sheet has 3,000,000 rows; Cramps imports at most 10,000"
    ):
        read_file("bomb.xlsx", _with_sheet(workbook([["title"], ["x"]]), sheet), max_records=10_000)


def test_workbook_unpacking_to_too_much_is_refused_before_parsing():
    padding = b" " * (XLSX_MAX_UNPACKED_BYTES + 1)  # compresses to a few hundred kilobytes
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + padding
        + b"</worksheet>"
    )
    data = _with_sheet(workbook([["title"], ["x"]]), sheet)
    assert len(data) < 1024 * 1024

    with pytest.raises(ParseError, match="This workbook unpacks to 200 MB of sheets; Cramps reads workbooks"):
        read_file("bomb.xlsx", data)


def test_workbook_with_more_rows_than_the_cap():
    data = workbook([["title"]] + [[f"Work {n}"] for n in range(5)])
    with pytest.raises(ParseError, match="sheet has 6 rows; Cramps imports at most 3"):
        read_file("big.xlsx", data, max_records=3)
    # A sheet whose dimension understates its rows is still stopped while it is read.
    sheet = (
        zipfile.ZipFile(io.BytesIO(data))
        .read("xl/worksheets/sheet1.xml")
        .replace(b'ref="A1:A6"', b'ref="A1:A1"')
    )
    with pytest.raises(ParseError, match="This workbook has more than 3 rows; Cramps imports at most 3"):
        read_file("big.xlsx", _with_sheet(data, sheet), max_records=3)


def test_json_columns():
    parsed = parse_json_rows(b'[{"key": "a", "title": "T"}, {"title": "U", "doi": "10.1000/x"}]')

    assert [(record["key"], record["title"], record["doi"]) for record in parsed] == [("a", "T", ""),
                                                                                      ("", "U", "10.1000/x")]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'[{"key": "a",', "JSON: invalid JSON at line 1"),
        (b'{"key": "a"}', "the file should hold a list of objects"),
        (b'[{"id": "a", "title": "T", "author": []}]', "This is CSL-JSON"),
        (b"[" * 25 + b"]" * 25, "nested more than 20 levels deep"),
    ],
)
def test_unreadable_json(data, message):
    with pytest.raises(ParseError, match=message):
        parse_json_rows(data)
