"""``references.export_formats``: the export's file formats for django-import-export."""

import datetime
import io

import openpyxl
import tablib

from references.export_formats import CSLJSON, CSV, JSON, RIS, XLSX, BibTeX, records_from_dataset
from references.formats import read_file


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
    [record] = read_file("export.csv", exported.encode())
    assert (record["title"], record["note"]) == ('=HYPERLINK("http://evil")', "@me")


def test_xlsx_export_writes_no_formula_cell():
    exported = XLSX().export_data(dataset(key="x", title="=1+1", volume="-3"))

    sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
    assert [cell.data_type for cell in sheet[2]] == ["s", "s", "s"]
    assert [cell.value for cell in sheet[2]] == ["x", "'=1+1", "'-3"]
    [record] = read_file("export.xlsx", exported)
    assert (record["title"], record["volume"]) == ("=1+1", "-3")


def test_citation_export_reads_the_columns_that_were_exported():
    exported = dataset(key="rude1998", type="book", title="Magnesium", authors="Rude, RK; {A, B}; Smith, Amos B, III",
                       issued_year="1998", accessed="2020-01-02")  # fmt: skip

    (record,) = records_from_dataset(exported)

    assert record["authors"] == [{"family": "Rude", "given": "RK"}, {"literal": "A, B"},
                                 {"family": "Smith", "given": "Amos B", "suffix": "III"}]  # fmt: skip
    assert (record["issued_year"], record["accessed"], record["doi"]) == (1998, datetime.date(2020, 1, 2), "")
    assert (
        "TY  - BOOK\nID  - rude1998\nAU  - Rude, RK\nAU  - {A, B}\nAU  - Smith, Amos B, III\n"
        in RIS().export_data(exported)
    )
    assert "author = {Rude, RK and {A, B} and Smith, III, Amos B}," in BibTeX().export_data(exported)
    assert '"suffix": "III"' in CSLJSON().export_data(exported)


def test_formats_offered():
    assert all(
        not fmt().can_import() and fmt().can_export() for fmt in (CSV, XLSX, JSON, RIS, BibTeX, CSLJSON)
    )
    assert (RIS().get_extension(), BibTeX().get_extension(), CSLJSON().get_extension()) == (
        "ris",
        "bib",
        "json",
    )
    assert RIS().get_title() == "RIS (EndNote, Zotero, Mendeley)"
