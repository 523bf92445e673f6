"""``references.import_formats``: files <-> tablib datasets for django-import-export."""

import datetime
import io

import openpyxl
import pytest
import tablib

from references.formats import ParseError
from references.import_formats import (
    CITATION_COLUMNS,
    CSLJSON,
    CSV,
    JSON,
    MEDLINE,
    RIS,
    XLSX,
    BibTeX,
    escape_formula,
    guess_import_format,
    names_from_cell,
    names_to_cell,
    records_from_dataset,
    unescape_formula,
)

NAMES = [
    {"family": "Rude", "given": "Robert K"},
    {"literal": "Institute of Medicine, Food and Nutrition Board"},
    {"literal": "American Diabetes Association"},
    {"family": "Plato"},
    {"family": "Smith", "given": "Amos B", "suffix": "III"},
    {"family": "van der Schans", "given": "CP"},
]


def test_names_round_trip_through_one_cell():
    cell = names_to_cell(NAMES)

    assert cell == (
        "Rude, Robert K; {Institute of Medicine, Food and Nutrition Board}; American Diabetes Association; "
        "Plato,; Smith, Amos B, III; van der Schans, CP"
    )
    assert names_from_cell(cell) == NAMES
    assert names_from_cell("") == []
    assert names_to_cell([]) == ""


def test_names_typed_by_hand():
    assert names_from_cell(" Rude,  Robert K ;Wester, PO; ") == [
        {"family": "Rude", "given": "Robert K"},
        {"family": "Wester", "given": "PO"},
    ]


@pytest.mark.parametrize("value", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_formulae_are_neutralised_and_restored(value):
    assert escape_formula(value) == "'" + value
    assert unescape_formula(escape_formula(value)) == value


@pytest.mark.parametrize("value", ["749-758", "Rude, RK", "'quoted'", "", None, 1998])
def test_other_cells_are_left_alone(value):
    assert escape_formula(value) == value
    assert unescape_formula(value) == value


def dataset(**row) -> tablib.Dataset:
    data = tablib.Dataset(headers=list(row))
    data.append(list(row.values()))
    return data


def test_csv_export_neutralises_formulae_and_import_restores_them():
    exported = CSV().export_data(
        dataset(key="x", title='=HYPERLINK("http://evil")', pages="749-58", note="@me")
    )

    assert exported.startswith("\ufeffkey,title,pages,note\r\n")  # a BOM, so that Excel reads UTF-8
    assert exported.splitlines()[1] == 'x,"\'=HYPERLINK(""http://evil"")",749-58,\'@me'
    imported = CSV().create_dataset(exported.encode())
    assert imported.dict == [
        {"key": "x", "title": '=HYPERLINK("http://evil")', "pages": "749-58", "note": "@me"}
    ]


def test_xlsx_export_writes_no_formula_cell():
    exported = XLSX().export_data(dataset(key="x", title="=1+1", volume="-3"))

    sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
    assert [cell.data_type for cell in sheet[2]] == ["s", "s", "s"]
    assert [cell.value for cell in sheet[2]] == ["x", "'=1+1", "'-3"]
    assert XLSX().create_dataset(exported).dict == [{"key": "x", "title": "=1+1", "volume": "-3"}]


@pytest.mark.parametrize(
    "data",
    [
        "key,title\nrude1998,Magnésium\n".encode(),
        "\ufeffkey,title\nrude1998,Magnésium\n".encode("utf-8"),
        "key,title\r\nrude1998,Magnésium\r\n".encode("cp1252"),
        "\ufeffkey,title\nrude1998,Magnésium\n".encode("utf-16-le"),
        "\ufeffkey,title\nrude1998,Magnésium\n".encode("utf-16-be"),
    ],
    ids=["utf-8", "utf-8 BOM", "Windows-1252 CRLF", "UTF-16 LE BOM", "UTF-16 BE BOM"],
)
def test_csv_encodings(data):
    assert CSV().create_dataset(data).dict == [{"key": "rude1998", "title": "Magnésium"}]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("key,title\nrude1998,Magnesium\n".encode("utf-16-le"), "UTF-16 text without a byte-order mark"),
        (b"", "The file is empty."),
        (b"%PDF-1.4\x00\x01\x02\x03binary", "This is a binary file"),
        (
            b'key,title\nrude1998,"Magnesium def',
            "CSV, line 2: unexpected end of data (is the file truncated?)",
        ),
        (b"key,title,year\nrude1998,Magnesium\n", "CSV, row 1: 2 cells where the header row has 3"),
    ],
)
def test_unreadable_csv(data, message):
    with pytest.raises(ParseError) as raised:
        CSV().create_dataset(data)

    assert message in str(raised.value)


def test_truncated_workbook():
    exported = XLSX().export_data(dataset(key="x", title="y"))

    with pytest.raises(ParseError, match=r"not a readable Excel \(.xlsx\) workbook.*truncated"):
        XLSX().create_dataset(exported[: len(exported) // 2])


def test_json_columns():
    data = b'[{"key": "a", "title": "T"}, {"title": "U", "doi": "10.1/x"}]'

    assert JSON().create_dataset(data).dict == [
        {"key": "a", "title": "T", "doi": ""},
        {"key": "", "title": "U", "doi": "10.1/x"},
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'[{"key": "a",', "JSON: invalid at line 1"),
        (b'{"key": "a"}', "the file should hold a list of objects"),
        (b'[{"id": "a", "title": "T", "author": []}]', "This is CSL-JSON"),
    ],
)
def test_unreadable_json(data, message):
    with pytest.raises(ParseError, match=message):
        JSON().create_dataset(data)


def test_citation_formats_give_rows_of_the_resource_columns(samples):
    rows = RIS().create_dataset((samples / "ris" / "manubot-bibliography.ris").read_bytes())

    assert rows.headers == list(CITATION_COLUMNS)
    assert "note" not in rows.headers
    first = rows.dict[0]
    assert first["authors"].startswith("Himmelstein, Daniel S; Romero, Ariel Rodriguez; ")
    assert first["accessed"] == datetime.date(2019, 3, 12)
    assert first["doi"] == "10.7554/elife.32822"


def test_citation_export_reads_the_columns_that_were_exported():
    exported = dataset(key="rude1998", type="book", title="Magnesium", authors="Rude, RK; {A, B}",
                       issued_year="1998", accessed="2020-01-02")  # fmt: skip

    (record,) = records_from_dataset(exported)

    assert record["authors"] == [{"family": "Rude", "given": "RK"}, {"literal": "A, B"}]
    assert (record["issued_year"], record["accessed"], record["doi"]) == (1998, datetime.date(2020, 1, 2), "")
    assert "TY  - BOOK\nID  - rude1998\nAU  - Rude, RK\nAU  - {A, B}\n" in RIS().export_data(exported)
    assert "@book{rude1998,\n  author = {Rude, RK and {A, B}}," in BibTeX().export_data(exported)
    assert '"id": "rude1998"' in CSLJSON().export_data(exported)


def test_medline_is_import_only():
    assert MEDLINE().can_import() and not MEDLINE().can_export()
    assert all(fmt().can_export() for fmt in (CSV, XLSX, JSON, RIS, BibTeX, CSLJSON))
    assert (RIS().get_extension(), BibTeX().get_extension(), CSLJSON().get_extension()) == (
        "ris",
        "bib",
        "json",
    )
    assert RIS().get_title() == "RIS (EndNote, Zotero, Mendeley)"


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("refs.csv", b"key,title\n", CSV),
        ("refs.xlsx", b"", XLSX),
        ("download", b"PK\x03\x04rest", XLSX),
        ("refs.json", b'[{"key": "a", "title": "T", "issued_year": 1998}]', JSON),
        ("refs.json", b'[{"id": "a", "title": "T", "issued": {"date-parts": [[1998]]}}]', CSLJSON),
        ("refs.txt", b"TY  - JOUR\nER  - \n", RIS),
        ("pubmed-set.nbib", b"", MEDLINE),
        ("pubmed.txt", b"PMID- 1\nTI  - x\n", MEDLINE),
        ("refs.bib", b"", BibTeX),
        ("notes.txt", b"Some notes.", None),
    ],
)
def test_guess_import_format(filename, data, expected):
    assert guess_import_format(filename, data) is expected
