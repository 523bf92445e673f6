"""django-import-export formats for references: spreadsheets and citation-manager files.

Every format here reads the upload as bytes and decodes it with ``formats.records.read_text``
(BOM, UTF-16, Windows-1252), so a file in the "wrong" encoding reads the same in CSV as in RIS,
and a file that cannot be read raises ``ParseError`` with a message for the editor.

The citation formats (RIS, MEDLINE, BibTeX, CSL-JSON) turn the records of
``references.formats`` into dataset rows and back; the rows use ``ReferenceResource``'s columns,
with names as "Family, Given; Family, Given" text (see ``names_to_cell``). Spreadsheet cells
that a spreadsheet would run as a formula are prefixed with an apostrophe on export, and the
apostrophe is dropped again on import, whatever ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` says.
"""

import csv
import datetime
import io
import json
import re

import tablib
from import_export.formats import base_formats

from .formats import FORMATS, ParseError, detect_format, empty_record
from .formats.records import RECORD_FIELDS, read_text
from .names import name_from_text, name_to_text

# What a citation-manager file brings in: ``note`` is Cramps' editorial note, shown on the site,
# whereas a note in a Zotero or EndNote file is the owner's private jotting.
CITATION_COLUMNS = tuple(field for field in RECORD_FIELDS if field != "note")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NAME_SEPARATOR = re.compile(r";(?![^{]*\})")


# Names in one cell ---------------------------------------------------------------------------


def names_to_cell(names: list[dict]) -> str:
    """``Rude, Robert K; {Institute of Medicine, Food and Nutrition Board}; Plato,; Smith, Amos B, III``.

    An organisation is braced when it holds a comma or semicolon (as BibTeX does), a family
    name with no given name keeps its comma, and a suffix comes third, so that every name
    reads back as it was.
    """
    cells = []
    for name in names or []:
        if "literal" in name:
            literal = name["literal"]
            cells.append("{" + literal + "}" if re.search("[,;]", literal) else literal)
        elif name.get("suffix"):
            cells.append(f"{name.get('family', '')}, {name.get('given', '')}, {name['suffix']}")
        elif not name.get("given"):
            cells.append(f"{name.get('family', '')},")
        else:
            cells.append(name_to_text(name))
    return "; ".join(cells)


def names_from_cell(text: str) -> list[dict]:
    names = []
    for part in _NAME_SEPARATOR.split(text or ""):
        part = " ".join(part.split())
        if part.startswith("{") and part.endswith("}"):
            names.append({"literal": part[1:-1].strip()})
        elif part.count(",") >= 2:
            family, given, suffix = (piece.strip() for piece in part.split(",", 2))
            name = {"family": family, "given": given, "suffix": suffix}
            names.append({key: value for key, value in name.items() if value})
        elif part:
            names.append(name_from_text(part))
    return names


# Formula neutralising --------------------------------------------------------------------------


def escape_formula(value: object) -> object:
    """``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``: text a spreadsheet would otherwise run."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def unescape_formula(value: object) -> object:
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value


def _escaped(dataset: tablib.Dataset) -> tablib.Dataset:
    escaped = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        escaped.append([escape_formula(cell) for cell in row])
    return escaped


# Formats ---------------------------------------------------------------------------------------


class _BytesFormat(base_formats.Format):
    """A format read from the raw bytes of the upload (import-export's text formats decode first)."""

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

    def get_read_mode(self) -> str:
        return "rb"

    def can_import(self) -> bool:
        return True

    def can_export(self) -> bool:
        return True


class CSV(_BytesFormat):
    title = "CSV (spreadsheet)"
    extension = "csv"
    content_type = "text/csv"

    def create_dataset(self, in_stream: bytes | str) -> tablib.Dataset:
        text = read_text(in_stream)
        rows = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            headers = [header.strip() for header in next(rows)]
            dataset = tablib.Dataset(headers=headers)
            for number, row in enumerate(rows, 1):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(headers):
                    raise ParseError(
                        f"CSV, row {number}: {len(row)} cells where the header row has {len(headers)}; "
                        "is the file truncated, or a cell's quotes unbalanced?"
                    )
                dataset.append([unescape_formula(cell) for cell in row])
        except csv.Error as error:
            raise ParseError(f"CSV, line {rows.line_num}: {error} (is the file truncated?)") from None
        return dataset

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> str:
        # Excel reads a CSV file as UTF-8 only when it starts with a byte-order mark.
        return "\ufeff" + _escaped(dataset).export("csv")


class XLSX(_BytesFormat):
    title = "Excel workbook (.xlsx)"
    extension = "xlsx"
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    def create_dataset(self, in_stream: bytes) -> tablib.Dataset:
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
            rows = book.active.iter_rows(values_only=True)
            headers = [str(header or "").strip() for header in next(rows, ())]
            dataset = tablib.Dataset(headers=headers)
            for row in rows:
                if any(cell not in (None, "") for cell in row):
                    dataset.append([unescape_formula(cell) for cell in row[: len(headers)]])
        except Exception as error:  # openpyxl has no one exception for "not a workbook"
            raise ParseError(
                f"This is not a readable Excel (.xlsx) workbook: {error or type(error).__name__}. "
                "It may be damaged or truncated, or another kind of file."
            ) from None
        if not headers:
            raise ParseError("The workbook's first sheet is empty.")
        return dataset

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> bytes:
        return _escaped(dataset).export("xlsx")


class JSON(_BytesFormat):
    """A JSON list of rows with ``ReferenceResource``'s columns (what its export writes)."""

    title = "JSON (Cramps columns)"
    extension = "json"
    content_type = "application/json"

    def create_dataset(self, in_stream: bytes | str) -> tablib.Dataset:
        try:
            items = json.loads(read_text(in_stream))
        except json.JSONDecodeError as error:
            raise ParseError(
                f"JSON: invalid at line {error.lineno}, column {error.colno}: {error.msg}."
            ) from None
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ParseError("JSON: the file should hold a list of objects, one per reference ([{…}, {…}]).")
        if items and looks_like_csl(items):
            raise ParseError("This is CSL-JSON, not Cramps' JSON columns: choose CSL-JSON as the format.")
        headers = list(dict.fromkeys(column for item in items for column in item))
        dataset = tablib.Dataset(headers=headers)
        for item in items:
            dataset.append([item.get(column, "") for column in headers])
        return dataset

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> str:
        return json.dumps(dataset.dict, ensure_ascii=False, indent=2) + "\n"


def looks_like_csl(items: list[dict]) -> bool:
    """CSL-JSON items: keys of CSL variables and none of ``ReferenceResource``'s own columns."""
    keys = {column for item in items for column in item}
    return not keys & {"key", "container_title", "issued_year"} and bool(
        keys & {"id", "author", "issued", "container-title", "DOI", "URL", "page"}
    )


class _CitationFormat(_BytesFormat):
    """A ``references.formats`` format, as rows of ``CITATION_COLUMNS``."""

    name = ""

    def __init__(self, encoding: str | None = None):
        super().__init__(encoding)
        self.format = FORMATS[self.name]

    def get_title(self) -> str:
        return self.format.label

    def get_extension(self) -> str:
        return self.format.extensions[0].lstrip(".")

    def get_content_type(self) -> str:
        return self.format.content_type

    def can_export(self) -> bool:
        return self.format.dump is not None

    def create_dataset(self, in_stream: bytes | str) -> tablib.Dataset:
        return dataset_from_records(self.format.parse(in_stream))

    def export_data(self, dataset: tablib.Dataset, **kwargs) -> str:
        return self.format.dump(records_from_dataset(dataset))


class RIS(_CitationFormat):
    name = "ris"


class MEDLINE(_CitationFormat):
    name = "medline"


class BibTeX(_CitationFormat):
    name = "bibtex"


class CSLJSON(_CitationFormat):
    name = "csljson"


def dataset_from_records(records: list[dict]) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=list(CITATION_COLUMNS))
    for record in records:
        row = {
            **record,
            "authors": names_to_cell(record["authors"]),
            "editors": names_to_cell(record["editors"]),
        }
        dataset.append([row[column] for column in CITATION_COLUMNS])
    return dataset


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


IMPORT_FORMATS = [CSV, XLSX, JSON, RIS, MEDLINE, BibTeX, CSLJSON]
EXPORT_FORMATS = [CSV, XLSX, JSON, RIS, BibTeX, CSLJSON]
BY_NAME = {"csv": CSV, "xlsx": XLSX, "json": JSON, "ris": RIS, "medline": MEDLINE, "bibtex": BibTeX,
           "csljson": CSLJSON}  # fmt: skip


def guess_import_format(filename: str, data: bytes) -> type[base_formats.Format] | None:
    """The format of an upload, by its name and then by how it starts; None if neither tells.

    A ``.json`` file is Cramps' own JSON when its objects carry ``ReferenceResource`` columns,
    else CSL-JSON.
    """
    lower_name = (filename or "").lower()
    if lower_name.endswith(".csv"):
        return CSV
    if lower_name.endswith(".xlsx") or data.startswith(b"PK\x03\x04"):
        return XLSX
    name = detect_format(filename, data)
    if name == "csljson":
        try:
            items = json.loads(read_text(data))
        except (ParseError, ValueError):
            return CSLJSON
        if isinstance(items, list) and items and all(isinstance(item, dict) for item in items):
            return CSLJSON if looks_like_csl(items) else JSON
    return BY_NAME.get(name)
