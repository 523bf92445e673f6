"""Reference files in and out: citation-manager formats and spreadsheets. Pure, no Django.

Every reader takes the uploaded bytes (or a str) and returns ``ParsedRecords``: records built
with ``record.build_record``, each carrying the problems met reading it, plus notes on the
whole file and the columns or tags it does not import. A reader raises ``ParseError`` only for
a file it cannot read at all. ``read_file`` is the one entry point for an upload: it finds the
format, decodes the text (saying which encoding it used or guessed) and applies the row cap.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from . import bibtex, csljson, medline, ris, table
from .common import FieldWarning, ParsedRecords, ParseError, UnknownFormat, read_decoded, read_text

DEFAULT_MAX_RECORDS = 10_000


@dataclass(frozen=True)
class Format:
    """A file format the import page reads; ``dump`` (records → text) only for citation formats."""

    name: str
    label: str
    extensions: tuple[str, ...]
    content_type: str
    parse: Callable[[bytes | str], ParsedRecords]
    dump: Callable[[list[dict]], str] | None = None
    binary: bool = False


FORMATS = {
    "ris": Format("ris", "RIS (EndNote, Zotero, Mendeley)", (".ris",), "application/x-research-info-systems",
                  ris.parse, ris.dump),
    "medline": Format("medline", "PubMed / MEDLINE (.nbib)", (".nbib", ".medline"), "application/x-medline",
                      medline.parse),
    "bibtex": Format("bibtex", "BibTeX", (".bib", ".bibtex"), "application/x-bibtex", bibtex.parse, bibtex.dump),
    "csljson": Format("csljson", "CSL-JSON", (".json", ".csljson"), "application/vnd.citationstyles.csl+json",
                      csljson.parse, csljson.dump),
    "csv": Format("csv", "CSV or tab-separated (spreadsheet, Scopus, Embase, Web of Science, PubMed)",
                  (".csv", ".tsv", ".tab"), "text/csv", table.parse_csv),
    "xlsx": Format("xlsx", "Excel workbook (.xlsx)", (".xlsx",),
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", table.parse_xlsx,
                   binary=True),
    "json": Format("json", "JSON (Cramps columns)", (".json",), "application/json", table.parse_json_rows),
}  # fmt: skip


def detect_format(filename: str, data: bytes | str) -> str | None:
    """The ``FORMATS`` name for an upload: by its extension, else by how its text starts.

    ``.txt`` says nothing (PubMed and Web of Science both save it), so such files are sniffed.
    A ``.json`` file holding objects with Cramps' columns is "json", else "csljson". None if
    neither the name nor the content tells.
    """
    lower_name = (filename or "").lower()
    if isinstance(data, bytes) and data.startswith(b"PK\x03\x04"):
        return "xlsx"
    by_extension = next(
        (name for name, file_format in FORMATS.items() if lower_name.endswith(file_format.extensions)), None
    )
    if by_extension in ("csljson", "json"):
        return _json_kind(data)
    if by_extension:
        return by_extension
    try:
        text = read_text(data[:65536])
    except ParseError:
        return None
    text = text.lstrip("\ufeff \t\n")
    if text[:1] in ("[", "{"):
        return _json_kind(data)
    if re.search(r"^TY {1,2}- ", text, re.MULTILINE) or re.match(r"FN |PT [A-Z]\s*\n", text):
        return "ris"
    if re.search(r"^PMID- ", text, re.MULTILINE):
        return "medline"
    if re.search(r"^\s*@\w+\s*[{(]", text, re.MULTILINE):
        return "bibtex"
    header = text.split("\n", 1)[0]
    if max(header.count(","), header.count(";"), header.count("\t")) >= 1 and re.search(
        r"\btitle\b|^PT\t", header, re.IGNORECASE
    ):
        return "csv"
    return None


def _json_kind(data: bytes | str) -> str:
    try:
        items = json.loads(read_text(data))
    except (ParseError, ValueError, RecursionError):
        return "csljson"
    if isinstance(items, list) and items and all(isinstance(item, dict) for item in items):
        return "csljson" if table.looks_like_csl(items) else "json"
    return "csljson"


def read_file(
    name: str,
    data: bytes,
    format: str | None = None,
    *,
    encoding: str | None = None,
    max_records: int = DEFAULT_MAX_RECORDS,
) -> ParsedRecords:
    """The records in an uploaded file, read as ``format`` (found from the file when None).

    ``encoding`` overrides detection for text formats. Raises ``ParseError`` naming the file
    when it cannot be read or holds more than ``max_records`` records.
    """
    format = format or detect_format(name, data)
    if format is None:
        read_text(data)  # a more precise reason (binary, UTF-16 without BOM, empty) if there is one
        raise UnknownFormat(f"Cramps cannot tell what kind of file “{name}” is: choose its format.")
    file_format = FORMATS[format]
    if file_format.binary:
        parsed = table.parse_xlsx(data, max_rows=max_records)
        parsed.encoding = ""
    else:
        decoded = read_decoded(data, encoding)
        parsed = file_format.parse(decoded.text)
        parsed.encoding = decoded.description
        if decoded.guessed:
            parsed.notes.insert(
                0,
                f"The file is not UTF-8: it looks like {decoded.name}, and was read as that. If its text looks "
                "wrong, choose the encoding and upload it again.",
            )
    parsed.format = format
    if len(parsed) > max_records:
        raise ParseError(
            f"The file holds {len(parsed):,} references; Cramps imports at most {max_records:,} from one "
            "file. Split it into smaller files."
        )
    return parsed


__all__ = [
    "DEFAULT_MAX_RECORDS",
    "FORMATS",
    "FieldWarning",
    "Format",
    "ParseError",
    "ParsedRecords",
    "UnknownFormat",
    "detect_format",
    "read_file",
]
