"""Spreadsheets of references: CSV or tab-separated text, Excel workbooks, and JSON lists of rows.

Columns are matched by name, however they are capitalised or punctuated: Cramps' own export
columns (``container_title``…) and the names that Scopus, Embase, Web of Science, PubMed,
IEEE, Springer and Zotero exports use ("Source title", "Author Names", "Publication Year",
"Page start", "PubMed ID"…). Where several columns give one field the fullest wins (Scopus'
"Author full names" over "Authors"). A column Cramps does not read is listed in the import
preview. No Django here.

Cells a spreadsheet would run as a formula were prefixed with an apostrophe on export
(``escape_formula``); the apostrophe is dropped again on import.
"""

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable

from ..record import CSL_TYPES, Record, build_record, names_from_cell
from ..text import join_pages, one_line
from .common import ParsedRecords, ParseError, load_json, read_text

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Fields and the column names that give them, fullest first (names as ``column_key`` reduces them).
COLUMNS = {
    "key": ("key", "citation_key", "bibtex_key"),
    "type": ("type", "document_type", "dt", "publication_type", "pt", "item_type", "content_type"),
    "authors": ("author_full_names", "af", "authors", "author_names", "author", "au", "first_author"),
    "editors": ("editors", "editor", "be"),
    "title": ("title", "article_title", "document_title", "item_title", "ti"),
    "container_title": (
        "container_title",
        "source_title",
        "journal",
        "journal_book",
        "journal_title",
        "publication_title",
        "so",
        "secondary_title",
    ),  # fmt: skip
    "container_title_short": (
        "container_title_short",
        "abbreviated_source_title",
        "journal_abbreviation",
        "iso_source_abbreviation",
        "ji",
        "j9",
    ),  # fmt: skip
    "issued_year": ("issued_year", "year", "publication_year", "py", "pub_year"),
    "volume": ("volume", "vl"),
    "issue": ("issue", "number", "is"),
    "pages": ("pages", "page", "page_range"),
    "publisher": ("publisher", "pu"),
    "publisher_place": ("publisher_place", "publisher_city", "publisher_location", "pi", "place"),
    "edition": ("edition",),
    "url": ("url",),
    "doi": ("doi", "di"),
    "pmid": ("pmid", "pubmed_id", "medline_pmid", "pm"),
    "pmcid": ("pmcid", "pmc_id"),
    "isbn": ("isbn", "isbns", "bn"),
    "accessed": ("accessed", "access_date", "date_accessed"),
    "abstract": ("abstract", "ab"),
    # Only Cramps' own column: a "Notes" column elsewhere is the owner's jotting, not an editorial note.
    "note": ("note",),
}
# Columns read to build a field from parts, when the field's own column is empty.
PAGE_STARTS = ("page_start", "start_page", "first_page", "bp")
PAGE_ENDS = ("page_end", "end_page", "last_page", "ep")
ARTICLE_NUMBERS = ("art_no", "article_number", "ar")
CITATIONS = ("citation",)  # PubMed: "J Bone Miner Res. 1998 Apr;13(4):749-58. doi: …"
SOURCES = ("source",)  # Embase: "Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014"
_COMPOSITE = PAGE_STARTS + PAGE_ENDS + ARTICLE_NUMBERS + CITATIONS + SOURCES
# Document types as databases and reference managers write them (reduced to lower-case letters).
TYPES = {
    **{name: "article-journal" for name in (
        "article", "journalarticle", "review", "letter", "editorial", "note", "erratum", "shortsurvey", "j",
        "articleinpress", "earlyaccess", "comment", "casereport", "magazinearticle", "newspaperarticle",
        "electronicarticle", "dataarticle", "correction", "retracted", "conferencereview")},
    **{name: "paper-conference" for name in (
        "conferencepaper", "proceedingspaper", "inproceedings", "conferenceproceedings", "c", "meetingabstract")},
    **{name: "book" for name in ("book", "b", "editedbook", "monograph", "s")},
    **{name: "chapter" for name in ("bookchapter", "chapter", "booksection", "incollection", "inbook")},
    **{name: "report" for name in ("report", "techreport")},
    **{name: "thesis" for name in ("thesis", "dissertation", "phdthesis", "mastersthesis")},
    **{name: "webpage" for name in ("webpage", "website", "blogpost")},
    **{name: "dataset" for name in ("dataset", "data")},
    **{name: "article" for name in ("preprint", "workingpaper")},
}  # fmt: skip
_PUBMED_CITATION = re.compile(r";\s*([^;:()\s]+)?\s*(?:\(([^)]+)\))?\s*:\s*([^.\s;]+)")
_EMBASE_SOURCE = re.compile(
    r"^(?P<journal>.+?)\s*\((?P<year>\d{4})\)\s*(?P<volume>[^:\s(]+)?(?::(?P<issue>[^\s(]+))?"
    r"(?:\s*\((?P<pages>[^)]+)\))?\.?\s*(?:Date of Publication:.*)?$"
)
_SCOPUS_AUTHOR_ID = re.compile(r"\s*\(\d+\)")
# XLSX limits checked before openpyxl reads a cell: what the sheets unpack to, and their size.
XLSX_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+:[A-Z]+(\d+)"')


def column_key(header: object) -> str:
    """``"Source title"``, ``"Author(s) ID"``, ``"container-title"`` → ``source_title``, ``author_s_id``…"""
    return re.sub(r"[^a-z0-9]+", "_", str(header or "").strip().lower()).strip("_")


def escape_formula(value: object) -> object:
    """``=HYPERLINK(…)`` → ``'=HYPERLINK(…)``: text a spreadsheet would otherwise run."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def unescape_formula(value: object) -> object:
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(_FORMULA_STARTS):
        return value[1:]
    return value


# Readers ----------------------------------------------------------------------------------


def parse_csv(data: bytes | str) -> ParsedRecords:
    """CSV, or text separated by semicolons or tabs (found from the header line)."""
    text = read_text(data)
    header_line = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=header_line.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        headers = next(rows, [])
        body = [row for row in rows if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise ParseError(f"CSV, line {rows.line_num}: {error} (is the file truncated?)") from None
    return records_from_rows(headers, body, format="csv")


def parse_json_rows(data: bytes | str) -> ParsedRecords:
    """A JSON list of objects, one per reference, with spreadsheet columns (Cramps' JSON export)."""
    items = load_json(read_text(data), "JSON")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ParseError("JSON: the file should hold a list of objects, one per reference ([{…}, {…}]).")
    if items and looks_like_csl(items):
        raise ParseError("This is CSL-JSON, not Cramps' JSON columns: choose CSL-JSON as the format.")
    headers = list(dict.fromkeys(column for item in items for column in item))
    return records_from_rows(
        headers, [[item.get(column, "") for column in headers] for item in items], format="json"
    )


def looks_like_csl(items: list[dict]) -> bool:
    """CSL-JSON items: keys of CSL variables and none of Cramps' own columns."""
    keys = {column for item in items for column in item}
    return not keys & {"key", "container_title", "issued_year"} and bool(
        keys & {"id", "author", "issued", "container-title", "DOI", "URL", "page"}
    )


def check_workbook(data: bytes, max_rows: int) -> None:
    """Refuse, before parsing, a workbook whose sheets declare more than ``max_rows`` rows or
    would unpack to more than ``XLSX_MAX_UNPACKED_BYTES``: a few megabytes of .xlsx can hold
    millions of rows."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if info.filename.startswith("xl/")]
            unpacked = sum(info.file_size for info in members)
            if unpacked > XLSX_MAX_UNPACKED_BYTES:
                raise ParseError(
                    f"This workbook unpacks to {unpacked // (1024 * 1024):,} MB of sheets; Cramps reads "
                    f"workbooks of up to {XLSX_MAX_UNPACKED_BYTES // (1024 * 1024)} MB unpacked. Save it as CSV."
                )
            for info in members:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    with archive.open(info) as sheet:
                        match = _DIMENSION.search(sheet.read(4096))
                    if match and int(match.group(1)) - 1 > max_rows:
                        raise ParseError(
                            f"This workbook's sheet has {int(match.group(1)):,} rows; Cramps imports at most "
                            f"{max_rows:,} references from one file. Split it into smaller files."
                        )
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        if isinstance(error, ParseError):
            raise
        raise ParseError(
            f"This is not a readable Excel (.xlsx) workbook: {error}. It may be damaged or truncated."
        ) from None


def parse_xlsx(data: bytes, max_rows: int = 10_000) -> ParsedRecords:
    """The first sheet of an Excel workbook; ``check_workbook`` runs first."""
    import openpyxl

    check_workbook(data, max_rows)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.active
        # Read every row there is: read-only mode otherwise stops where the sheet's dimension
        # says, and not every program writes it right. ``check_workbook`` bounds the size.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        headers = [str(header or "").strip() for header in next(rows, ())]
        body = []
        for row in rows:
            if any(cell not in (None, "") for cell in row):
                body.append(list(row))
                if len(body) > max_rows:
                    raise ParseError(
                        f"This workbook has more than {max_rows:,} rows; Cramps imports at most {max_rows:,} "
                        "references from one file. Split it into smaller files."
                    )
    except ParseError:
        raise
    except Exception as error:  # openpyxl has no one exception for "not a workbook"
        raise ParseError(
            f"This is not a readable Excel (.xlsx) workbook: {error or type(error).__name__}. "
            "It may be damaged or truncated, or another kind of file."
        ) from None
    if not any(headers):
        raise ParseError("The workbook's first sheet is empty.")
    return records_from_rows(headers, body, format="xlsx")


# Rows to records ------------------------------------------------------------------------------


def records_from_rows(headers: list[str], rows: Iterable[list], *, format: str) -> ParsedRecords:
    """Records from rows under ``headers``; a row with more cells than the header is realigned
    when the header ends a numbered series (Scopus' "Funding Text 1" grows to 2, 3…), else left
    out with a warning."""
    headers = [str(header or "").strip().lstrip("\ufeff") for header in headers]
    keys = [column_key(header) for header in headers]
    fields = {field: [keys.index(name) for name in names if name in keys] for field, names in COLUMNS.items()}
    if not fields["title"]:
        found = ", ".join(header for header in headers if header) or "none"
        raise ParseError(
            f"The file has no “title” column, so no row can be read. Its columns: {found}. "
            "Cramps reads its own export's columns and those of Scopus, Embase, Web of Science and PubMed."
        )
    parts = {name: keys.index(name) for name in _COMPOSITE if name in keys}
    used = {index for indexes in fields.values() for index in indexes}
    used |= {index for name, index in parts.items() if name not in CITATIONS + SOURCES}
    records, filled = [], set()
    for row in rows:
        cells = _aligned(list(row), headers)
        if cells is None:
            record = build_record(type="document")
            record.problem("row", f"{len(row)} cells", f"where the header row has {len(headers)}; its columns "
                                                        "cannot be matched, so it was left out.")  # fmt: skip
            records.append(record)
            continue
        filled |= {index for index, cell in enumerate(cells) if _cell_text(cell)}
        record, read_parts = _record(cells, headers, fields, parts)
        records.append(record)
        used |= {parts[name] for name in read_parts}
    unused = [headers[index] for index in range(len(headers)) if index not in used and index in filled]
    return ParsedRecords(records, format=format, unused=unused)


def _aligned(cells: list, headers: list[str]) -> list | None:
    if len(cells) <= len(headers):
        return cells + [""] * (len(headers) - len(cells))
    extra = len(cells) - len(headers)
    if not any(_cell_text(cell) for cell in cells[len(headers) :]):
        return cells[: len(headers)]
    numbered = [index for index, header in enumerate(headers) if re.search(r"\s1$", header)]
    if len(numbered) == 1:
        # The header names "Funding Text 1" only; the row has "Funding Text 2"… after it.
        at = numbered[0] + 1
        return cells[:at] + cells[at + extra :]
    return None


def _cell_text(value: object) -> str:
    value = unescape_formula(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _record(
    cells: list, headers: list[str], fields: dict[str, list[int]], parts: dict[str, int]
) -> tuple[Record, set[str]]:
    """The record of one row, and which of the citation and source columns gave it something."""

    def first(field: str) -> str:
        return next((text for index in fields[field] if (text := _cell_text(cells[index]))), "")

    def part(name: str) -> str:
        return _cell_text(cells[parts[name]]) if name in parts else ""

    values = {field: first(field) for field in COLUMNS}
    if not values["pages"]:
        start, end = (
            next((part(name) for name in names if part(name)), "") for names in (PAGE_STARTS, PAGE_ENDS)
        )
        values["pages"] = join_pages(start, end) or next(
            (part(name) for name in ARTICLE_NUMBERS if part(name)), ""
        )
    read_parts = set()
    if (citation := part("citation")) and _fill_from_pubmed_citation(values, citation):
        read_parts.add("citation")
    if (
        (source := part("source"))
        and not values["container_title"]
        and _fill_from_embase_source(values, source)
    ):
        read_parts.add("source")
    csl_type, type_problem = _type(values["type"], values["container_title"])
    record = build_record(
        **{field: value for field, value in values.items() if field not in ("type", "authors", "editors")},
        type=csl_type,
        authors=_names(values["authors"]),
        editors=_names(values["editors"]),
    )
    if type_problem:
        record.problem("type", values["type"], type_problem)
    return record, read_parts


def _names(text: str) -> list[dict]:
    return names_from_cell(_SCOPUS_AUTHOR_ID.sub("", text))


def _type(value: str, container: str) -> tuple[str, str]:
    """The CSL type for a type cell, and why it was read otherwise ("" if it was understood)."""
    if value in CSL_TYPES:
        return value, ""
    found = TYPES.get(re.sub(r"[^a-z]", "", value.lower()))
    if found:
        return found, ""
    guess = "article-journal" if container else "document"
    return guess, f"is not a type Cramps knows; read as “{guess}”." if value else ""


def _fill_from_pubmed_citation(values: dict, citation: str) -> bool:
    match = _PUBMED_CITATION.search(citation)
    if match:
        for field, found in zip(("volume", "issue", "pages"), match.groups(), strict=True):
            if found and not values[field]:
                values[field] = found
    return bool(match)


def _fill_from_embase_source(values: dict, source: str) -> bool:
    match = _EMBASE_SOURCE.match(one_line(source))
    if not match:
        return False
    for field, group in (("container_title", "journal"), ("issued_year", "year"), ("volume", "volume"),
                         ("issue", "issue"), ("pages", "pages")):  # fmt: skip
        if match.group(group) and not values[field]:
            values[field] = match.group(group)
    return True
