"""Citation-manager files in and out: RIS, PubMed/MEDLINE, BibTeX and CSL-JSON.

Pure functions, no database: every ``parse`` takes the uploaded bytes (or a str) and returns
records, dicts keyed by ``Reference`` field names (see ``records.RECORD_FIELDS``), or raises
``ParseError`` with a message for the editor; every ``dump`` turns such records into file text.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import bibtex, csljson, medline, ris
from .records import ParseError, decode_text, duplicate_signature, empty_record, make_key, match_keys


@dataclass(frozen=True)
class Format:
    """A file format the import/export pages offer; ``dump`` is None for import-only formats."""

    name: str
    label: str
    extensions: tuple[str, ...]
    content_type: str
    parse: Callable[[bytes | str], list[dict]]
    dump: Callable[[list[dict]], str] | None


FORMATS = {
    "ris": Format(
        name="ris",
        label="RIS (EndNote, Zotero, Mendeley)",
        extensions=(".ris",),
        content_type="application/x-research-info-systems",
        parse=ris.parse,
        dump=ris.dump,
    ),
    "medline": Format(
        name="medline",
        label="PubMed / MEDLINE (.nbib)",
        extensions=(".nbib", ".medline"),
        content_type="application/x-medline",
        parse=medline.parse,
        dump=None,
    ),
    "bibtex": Format(
        name="bibtex",
        label="BibTeX",
        extensions=(".bib", ".bibtex"),
        content_type="application/x-bibtex",
        parse=bibtex.parse,
        dump=bibtex.dump,
    ),
    "csljson": Format(
        name="csljson",
        label="CSL-JSON",
        extensions=(".json", ".csljson"),
        content_type="application/vnd.citationstyles.csl+json",
        parse=csljson.parse,
        dump=csljson.dump,
    ),
}


def detect_format(filename: str, data: bytes | str) -> str | None:
    """The ``FORMATS`` name for an upload: by its extension, else by how its text starts.

    ``.txt`` says nothing (PubMed and Web of Science both save it), so such files are sniffed.
    None if neither tells.
    """
    lower_name = (filename or "").lower()
    for name, file_format in FORMATS.items():
        if lower_name.endswith(file_format.extensions):
            return name
    text = decode_text(data[:65536]) if isinstance(data, bytes) else data[:65536]
    text = text.lstrip("\ufeff \t\n")
    if text[:1] in ("[", "{"):
        return "csljson"
    if re.search(r"^TY  - ", text, re.MULTILINE) or re.match(r"FN |PT [A-Z]\s*\n", text):
        return "ris"
    if re.search(r"^PMID- ", text, re.MULTILINE):
        return "medline"
    if re.search(r"^\s*@\w+\s*[{(]", text, re.MULTILINE):
        return "bibtex"
    return None


__all__ = [
    "FORMATS",
    "Format",
    "ParseError",
    "decode_text",
    "detect_format",
    "duplicate_signature",
    "empty_record",
    "make_key",
    "match_keys",
]
