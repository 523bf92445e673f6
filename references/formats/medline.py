"""PubMed's MEDLINE text format: the ``.nbib`` download and "Save → PubMed format" ``.txt``.

Each line is a tag padded to four characters, ``-`` and a space (``PMID- 123``, ``AU  - Rude
RK``); a value that runs on continues on lines indented by six spaces; records are separated
by blank lines. No maintained library reads it (rispy 0.10 has no PubMed mapping), hence this
small reader. PubMed is the only producer, so there is no writer.
"""

import re

from ..record import build_record, name_from_initials, name_from_text
from ..text import isbn_from
from .common import ParsedRecords, ParseError, read_text

_TAG = re.compile(r"([A-Z][A-Z0-9]{1,3}) *$")
_BOOK_TYPES = {"book chapter": "chapter", "book": "book", "dataset": "dataset", "preprint": "article"}


# Every tag this reader looks at; the others (MeSH terms, grants, affiliations…) are listed as unused.
_READ_TAGS = {"PMID", "PT", "FAU", "AU", "CN", "FED", "ED", "TI", "BTI", "JT", "TA", "DP", "VI", "IP", "PG", "PB",
              "PL", "EN", "LID", "AID", "PMC", "ISBN", "IS", "AB"}  # fmt: skip


def parse(data: bytes | str) -> ParsedRecords:
    text = read_text(data)
    split = _split_records(text)
    if not split:
        raise ParseError(
            "No PubMed/MEDLINE records found: a record starts with a line like 'PMID- 12345678'."
        )
    tags = {name for fields in split for name, _ in fields}
    return ParsedRecords(
        [_record(fields) for fields in split], format="medline", unused=sorted(tags - _READ_TAGS)
    )


def _split_records(text: str) -> list[list[list[str]]]:
    """The ``[tag, value]`` pairs of each record, continuation lines joined to their value."""
    records: list[tuple[list[list[str]], int]] = []
    fields: list[list[str]] = []
    for number, line in enumerate(text.split("\n"), 1):
        tag = _TAG.match(line[:4]) if line[4:5] == "-" else None
        if not line.strip():
            fields = []
        elif tag:
            if not fields or (tag.group(1) == "PMID" and any(name == "PMID" for name, _ in fields)):
                fields = []
                records.append((fields, number))
            fields.append([tag.group(1), line[5:].strip()])
        elif line.startswith(" ") and fields:
            fields[-1][1] += " " + line.strip()
        else:
            raise ParseError(
                f"PubMed/MEDLINE, line {number}: {line.strip()[:40]!r} is neither a tagged line "
                "('TI  - …') nor the indented continuation of one."
            )
    for fields, number in records:
        if not any(name == "PMID" for name, _ in fields):
            raise ParseError(
                f"PubMed/MEDLINE, line {number}: this record has no PMID line; "
                "is this really a PubMed (.nbib) file?"
            )
    return [fields for fields, _ in records]


def _record(fields: list[list[str]]) -> dict:
    def values(tag: str) -> list[str]:
        return [value for name, value in fields if name == tag and value]

    def first(*tags: str) -> str:
        return next((found[0] for tag in tags if (found := values(tag))), "")

    publication_types = {value.lower() for value in values("PT")}
    csl_type = next((_BOOK_TYPES[name] for name in _BOOK_TYPES if name in publication_types), "")
    is_book = csl_type in ("book", "chapter")
    return build_record(
        type=csl_type or ("article-journal" if first("JT", "TA") else "document"),
        # FAU has the full name ("Rude, Robert K"); AU only initials ("Rude RK"), for old records.
        authors=(
            [name_from_text(name) for name in values("FAU")]
            or [name_from_initials(name) for name in values("AU")]
        )
        + [{"literal": name} for name in values("CN")],
        editors=[name_from_text(name) for name in values("FED")]
        or [name_from_initials(n) for n in values("ED")],
        # PubMed ends every title with a full stop; citation styles add their own.
        title=re.sub(r"(?<!\.)\.$", "", first("TI") or (first("BTI") if csl_type == "book" else "")),
        container_title=first("BTI") if csl_type == "chapter" else first("JT"),
        container_title_short="" if is_book else first("TA"),
        issued_year=first("DP"),
        volume=first("VI"),
        issue=first("IP"),
        pages=first("PG"),
        publisher=first("PB"),
        publisher_place=first("PL") if is_book else "",
        edition=first("EN"),
        doi=_tagged_id(values("LID") + values("AID"), "doi"),
        pmid=first("PMID"),
        pmcid=first("PMC"),
        isbn=first("ISBN") or isbn_from(" ".join(values("IS"))),
        abstract=first("AB"),
    )


def _tagged_id(values: list[str], kind: str) -> str:
    """The id marked ``[kind]`` in LID/AID values such as ``10.1016/j.x.2019.03.004 [doi]``."""
    suffix = f"[{kind}]"
    return next((value.removesuffix(suffix).strip() for value in values if value.endswith(suffix)), "")
