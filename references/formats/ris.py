"""RIS files (EndNote, Zotero, Mendeley, databases' "download citation"), read and written with rispy.

Reading follows what reference managers accept rather than the letter of the format: a file
written with one space before the hyphen (``TY - JOUR``) is read as Zotero reads it; author
lines holding several names (``AU  - Joffe, Hadine; Hall, Janet E``, as ISI and MEDLINE-style
exports write them) are split; the journal is taken from JF, JO, then T2 (EBSCO puts a
translated title in T2); PMIDs and PMCIDs are found in notes, custom fields and PubMed
Central's ``U1``/``U2``; lines outside records (Ovid's ``NL``) are ignored with a note.
Web of Science "plain text" exports are often saved as ``.ris`` too; ``parse`` hands those
to ``wos.parse``.
"""

import re

import rispy

from .. import identifiers
from ..record import build_record, name_to_text, names_from_cell
from ..text import date_from, isbn_from, join_pages
from . import wos
from .common import ParsedRecords, check_tagged_records, read_text

# RIS reference types (and the long names some EndNote exports write instead, reduced to
# lower-case letters) → CSL types; anything else is a "document".
TYPES = {
    "JOUR": "article-journal",
    "JFULL": "article-journal",
    "EJOUR": "article-journal",
    "INPR": "article-journal",
    "MGZN": "article-journal",
    "NEWS": "article-journal",
    "BOOK": "book",
    "EBOOK": "book",
    "EDBOOK": "book",
    "CHAP": "chapter",
    "ECHAP": "chapter",
    "CONF": "paper-conference",
    "CPAPER": "paper-conference",
    "RPRT": "report",
    "THES": "thesis",
    "ELEC": "webpage",
    "WEB": "webpage",
    "BLOG": "webpage",
    "DATA": "dataset",
    "journalarticle": "article-journal",
    "electronicarticle": "article-journal",
    "book": "book",
    "editedbook": "book",
    "booksection": "chapter",
    "conferencepaper": "paper-conference",
    "conferenceproceedings": "paper-conference",
    "report": "report",
    "thesis": "thesis",
    "webpage": "webpage",
    "dataset": "dataset",
}
WRITE_TYPES = {
    "article-journal": "JOUR",
    "book": "BOOK",
    "chapter": "CHAP",
    "paper-conference": "CPAPER",
    "report": "RPRT",
    "thesis": "THES",
    "webpage": "ELEC",
    "dataset": "DATA",
    "article": "GEN",
    "document": "GEN",
}
_TAG = re.compile(r"([A-Z][A-Z0-9])  -")  # rispy's own test for a tag line
_ONE_SPACE_TAG = re.compile(r"^([A-Z][A-Z0-9]) -(?= |$) ?", re.MULTILINE)
_LIST_TAGS = [*rispy.LIST_TYPE_TAGS, "ED", "L3"]
# Tags consulted for the PMID (besides "PMID: 123" anywhere in them) and the PMCID.
_PMID_TAGS = ("AN", "U1", "N1", "M1", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8")
# PMIDs run to eight digits (about 40 million in 2026); other databases' accession numbers are longer.
_PMID_DIGITS = 8
_PMCID_TAGS = ("U2", "C2", "N1", "AN", "C6")
# Every tag this reader imports; the others are listed as unused in the import preview. Notes
# (N1) are searched for a PMID but not imported: they are the file owner's jottings.
_READ_TAGS = {
    "TY", "ER", "ID", "AU", "A1", "A2", "ED", "TI", "T1", "ST", "CT", "JF", "JO", "T2", "BT", "J2", "JA",
    "PY", "Y1", "DA", "VL", "VO", "IS", "SP", "EP", "PS", "PB", "CY", "ET", "UR", "L2", "L3", "DO", "DB",
    "DP", "SN", "Y2", "AB", "N2", "JI", "J9", *_PMID_TAGS, *_PMCID_TAGS,
} - {"N1"}  # fmt: skip
# What rispy calls the tags, for the list of unused ones ("KW (keywords)").
_TAG_NAMES = {tag: name.replace("_", " ") for tag, name in rispy.TAG_KEY_MAPPING.items()}


def parse(data: bytes | str) -> ParsedRecords:
    text = read_text(data)
    if wos.is_wos(text):
        return wos.parse(text)
    notes = []
    if not re.search(r"^TY  - ", text, re.MULTILINE) and re.search(r"^TY -(?: |$)", text, re.MULTILINE):
        text = _ONE_SPACE_TAG.sub(r"\1  - ", text)
        notes.append("The file writes one space before each hyphen (“TY - JOUR”); it was read as RIS anyway.")
    lines = text.split("\n")
    _, stray = check_tagged_records(lines, _tag_of, start="TY", end="ER", format_name="RIS")
    tags = {tag for line in lines if (tag := _tag_of(line))}
    parser = rispy.RisParser(mapping={tag: tag for tag in tags | {"UK"}}, list_tags=_LIST_TAGS)
    records = [_record(entry) for entry in parser.parse_lines(iter(lines))]
    unused = sorted(tags - _READ_TAGS)
    return ParsedRecords(
        records,
        format="ris",
        notes=notes + stray,
        unused=[f"{tag} ({_TAG_NAMES[tag]})" if tag in _TAG_NAMES else tag for tag in unused],
    )


def _tag_of(line: str) -> str | None:
    match = _TAG.match(line)
    return match.group(1) if match else None


def _values(entry: dict, tag: str) -> list[str]:
    value = entry.get(tag)
    values = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in values if item and str(item).strip()]


def _first(entry: dict, *tags: str) -> str:
    return next((values[0] for tag in tags if (values := _values(entry, tag))), "")


def _record(entry: dict) -> dict:
    ris_type = _first(entry, "TY")
    csl_type = TYPES.get(ris_type.upper()) or TYPES.get(re.sub(r"[^a-z]", "", ris_type.lower()), "document")
    key = _first(entry, "ID")
    return build_record(
        type=csl_type,
        # EndNote writes its record number as ID; only a key with a letter in it is a citation key.
        key=key if re.search(r"[A-Za-z]", key) else "",
        authors=_names(entry, "AU", "A1"),
        editors=_names(entry, "A2", "ED"),
        title=_first(entry, "TI", "T1", "ST", "CT"),
        container_title=_first(entry, "JF", "JO", "T2", "BT"),
        container_title_short=_first(entry, "J2", "JA", "JI", "J9"),
        issued_year=_first(entry, "PY", "Y1", "DA"),
        volume=_first(entry, "VL", "VO"),
        issue=_first(entry, "IS"),
        pages=join_pages(_first(entry, "SP"), _first(entry, "EP")) or _first(entry, "PS"),
        publisher=_first(entry, "PB"),
        publisher_place=_first(entry, "CY"),
        edition=_first(entry, "ET"),
        url=_url(entry),
        doi=_doi(entry),
        pmid=_pmid(entry),
        pmcid=next(
            (
                found
                for tag in _PMCID_TAGS
                for value in _values(entry, tag)
                if (found := identifiers.find_pmcid(value))
            ),
            "",
        ),  # fmt: skip
        isbn=isbn_from(" ".join(_values(entry, "SN"))),
        accessed=date_from(_first(entry, "Y2")),
        abstract=_first(entry, "AB", "N2"),
    )


def _names(entry: dict, *tags: str) -> list[dict]:
    return [name for tag in tags for value in _values(entry, tag) for name in names_from_cell(value)]


def _url(entry: dict) -> str:
    """The first web address in UR; failing one, the first UR value (``build_record`` says why not)."""
    urls = _values(entry, "UR")
    return next(
        (url for url in urls if re.match(r"(?:https?:)?//", url, re.IGNORECASE)), urls[0] if urls else ""
    )


def _doi(entry: dict) -> str:
    """DO, else L3 (EBSCO), else a DOI resolver address in UR or L2."""
    if doi := _first(entry, "DO", "L3"):
        return doi
    addresses = _values(entry, "UR") + _values(entry, "L2")
    return next(
        (found for url in addresses if (found := identifiers.valid_doi(url)) and "doi" in url.lower()), ""
    )


def _pmid(entry: dict) -> str:
    """PubMed id: "PMID: 123" or "123[pmid]" in a note or custom field, or AN in a record from PubMed.

    An AN of up to eight digits with no database named (PubMed's own RIS and many reference
    managers write none) is a PMID too; CINAHL's, Embase's and Web of Science's accession
    numbers are longer or not digits, and a record naming another database keeps its AN out."""
    for tag in _PMID_TAGS:
        for value in _values(entry, tag):
            if pmid := identifiers.find_pmid(value):
                return pmid
    accession = _first(entry, "AN").strip()
    source = " ".join(_values(entry, "DB") + _values(entry, "DP")).strip()
    if accession.isdigit() and re.search(r"pubmed|medline|\bNLM\b", source, re.IGNORECASE):
        return accession
    if not source and accession.isdigit() and len(accession) <= _PMID_DIGITS:
        return accession
    return ""


def dump(records: list[dict]) -> str:
    """RIS text for ``records``; PMIDs go in AN (with "DB - PubMed") and PMCIDs in C2, as EndNote does."""
    return rispy.dumps([_entry(record) for record in records], implementation=_Writer)


class _Writer(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        return ""  # rispy numbers records ("1.") by default, which nothing needs


def _entry(record: dict) -> dict:
    start, _, end = record["pages"].partition("-")
    entry = {
        "type_of_reference": WRITE_TYPES[record["type"]],
        "id": record["key"],
        "authors": [name_to_text(name) for name in record["authors"]],
        "secondary_authors": [name_to_text(name) for name in record["editors"]],
        "title": record["title"],
        "secondary_title": record["container_title"],
        "alternate_title1": record["container_title_short"],
        "year": str(record["issued_year"] or ""),
        "volume": record["volume"],
        "number": record["issue"],
        "start_page": start,
        "end_page": end,
        "publisher": record["publisher"],
        "place_published": record["publisher_place"],
        "edition": record["edition"],
        "urls": [record["url"]] if record["url"] else [],
        "doi": record["doi"],
        "accession_number": record["pmid"],
        "name_of_database": "PubMed" if record["pmid"] else "",
        "custom2": record["pmcid"],
        "issn": record["isbn"],
        "access_date": record["accessed"].strftime("%Y/%m/%d/") if record["accessed"] else "",
        "abstract": record["abstract"],
        "notes": record["note"].splitlines(),
    }
    return {name: value for name, value in entry.items() if value}
