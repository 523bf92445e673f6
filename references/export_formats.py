"""django-import-export formats for the reference export: spreadsheets and citation-manager files.

The citation formats (RIS, BibTeX, CSL-JSON) turn exported rows back into records and write
them with ``references.formats``; the spreadsheets write the rows as they are, with names as
"Family, Given; Family, Given" text. Cells a spreadsheet would run as a formula are prefixed
with an apostrophe (``formats.table.escape_formula``), whatever
``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` says; the importer drops it again. Importing does
not go through django-import-export: see ``references.importing``.
"""

import datetime
import json

import tablib
from import_export.formats import base_formats

from .formats import FORMATS
from .formats.table import escape_formula
from .record import RECORD_FIELDS, empty_record, names_from_cell


def _escaped(dataset: tablib.Dataset) -> tablib.Dataset:
    escaped = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        escaped.append([escape_formula(cell) for cell in row])
    return escaped


class _ExportFormat(base_formats.Format):
    title = ""
    extension = ""
    content_type = "application/octet-stream"

    def __init__(self, encoding: str | None = None):
        self.encoding = encoding

    def get_title(self) -> str:
        return self.title

    def get_extension(self) -> str:
        return self.extension

    def get_content_type(self) -> str:
        return self.content_type

    def is_binary(self) -> bool:
        return True

    def can_import(self) -> bool:
        return False

    def can_export(self) -> bool:
        return True


class CSV(_ExportFormat):
    title = "CSV (spreadsheet)"
    extension = "csv"
    content_type = "text/csv"

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> str:
        # Excel reads a CSV file as UTF-8 only when it starts with a byte-order mark.
        return "\ufeff" + _escaped(dataset).export("csv")


class XLSX(_ExportFormat):
    title = "Excel workbook (.xlsx)"
    extension = "xlsx"
    content_type = FORMATS["xlsx"].content_type

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> bytes:
        return _escaped(dataset).export("xlsx")


class JSON(_ExportFormat):
    """A JSON list of rows with ``ReferenceResource``'s columns."""

    title = "JSON (Cramps columns)"
    extension = "json"
    content_type = "application/json"

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> str:
        return json.dumps(dataset.dict, ensure_ascii=False, indent=2) + "\n"


class _CitationFormat(_ExportFormat):
    """A ``references.formats`` format with a writer."""

    name = ""

    def get_title(self) -> str:
        return FORMATS[self.name].label

    def get_extension(self) -> str:
        return FORMATS[self.name].extensions[0].lstrip(".")

    def get_content_type(self) -> str:
        return FORMATS[self.name].content_type

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> str:
        return FORMATS[self.name].dump(records_from_dataset(dataset))


class RIS(_CitationFormat):
    name = "ris"


class BibTeX(_CitationFormat):
    name = "bibtex"


class CSLJSON(_CitationFormat):
    name = "csljson"


def records_from_dataset(dataset: tablib.Dataset) -> list[dict]:
    """Records from rows ``ReferenceResource.export`` wrote; columns left out of the export stay empty."""
    records = []
    for row in dataset.dict:
        record = empty_record()
        record.update({column: str(row[column] or "") for column in RECORD_FIELDS if column in row})
        record["authors"] = names_from_cell(record["authors"])
        record["editors"] = names_from_cell(record["editors"])
        record["issued_year"] = int(record["issued_year"]) if str(record["issued_year"]).isdigit() else None
        record["accessed"] = _date(row.get("accessed"))
        records.append(record)
    return records


def _date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or ""))
    except ValueError:
        return None


EXPORT_FORMATS = [CSV, XLSX, JSON, RIS, BibTeX, CSLJSON]
