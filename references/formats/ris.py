"""RIS files (EndNote, Zotero, Mendeley, most publishers' "download citation"), read and written with rispy.

Web of Science "plain text" exports are often saved as ``.ris`` too; ``parse`` hands those to
``wos.parse`` rather than failing on them.
"""

import re

import rispy

from ..names import name_from_text, name_to_text
from . import wos
from .records import (
    build_record,
    check_tagged_records,
    date_from,
    find_pmcid,
    find_pmid,
    isbn_from,
    join_pages,
    read_text,
    year_from,
)

# RIS reference types (and the long names some EndNote exports write instead, reduced to
# lower-case letters) → CSL types; anything else is a "document".
TYPES = {
    "JOUR": "article-journal",
    "JFULL": "article-journal",
    "EJOUR": "article-journal",
    "INPR": "article-journal",
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
_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\.\S+)$", re.IGNORECASE)


def parse(data: bytes | str) -> list[dict]:
    text = read_text(data)
    if wos.is_wos(text):
        return wos.parse(text)
    check_tagged_records(text.split("\n"), _tag_of, start="TY", end="ER", format_name="RIS")
    return [_record(entry) for entry in rispy.loads(text)]


def _tag_of(line: str) -> str | None:
    match = _TAG.match(line)
    return match.group(1) if match else None


def _values(entry: dict, tag: str) -> list[str]:
    """Every value of a RIS tag in a rispy entry, whether rispy names the tag or not."""
    name = rispy.TAG_KEY_MAPPING.get(tag)
    value = entry.get(name) if name else entry.get("unknown_tag", {}).get(tag)
    values = value if isinstance(value, list) else [value]
    return [str(item).strip() for item in values if item and str(item).strip()]


def _first(entry: dict, *tags: str) -> str:
    return next((values[0] for tag in tags if (values := _values(entry, tag))), "")


def _record(entry: dict) -> dict:
    ris_type = _first(entry, "TY")
    csl_type = TYPES.get(ris_type.upper()) or TYPES.get(re.sub(r"[^a-z]", "", ris_type.lower()), "document")
    url = _first(entry, "UR")
    doi_in_url = _DOI_URL.match(url)
    key = _first(entry, "ID")
    return build_record(
        type=csl_type,
        # EndNote writes its record number as ID; only a key with a letter in it is a citation key.
        key=key if re.search(r"[A-Za-z]", key) else "",
        authors=[name_from_text(name) for name in _values(entry, "AU") + _values(entry, "A1")],
        editors=[name_from_text(name) for name in _values(entry, "A2") + _values(entry, "ED")],
        title=_first(entry, "TI", "T1", "ST", "CT"),
        container_title=_first(entry, "T2", "JF", "JO", "BT"),
        container_title_short=_first(entry, "J2", "JA"),
        issued_year=year_from(_first(entry, "PY", "Y1", "DA")),
        volume=_first(entry, "VL", "VO"),
        issue=_first(entry, "IS"),
        pages=join_pages(_first(entry, "SP"), _first(entry, "EP")),
        publisher=_first(entry, "PB"),
        publisher_place=_first(entry, "CY"),
        edition=_first(entry, "ET"),
        url=url,
        doi=_first(entry, "DO") or (doi_in_url.group(1) if doi_in_url else ""),
        pmid=_pmid(entry),
        pmcid=_search(find_pmcid, entry, "C2", "N1", "AN"),
        isbn=isbn_from(" ".join(_values(entry, "SN"))),
        accessed=date_from(_first(entry, "Y2")),
        abstract=_first(entry, "AB", "N2"),
        note="\n".join(_values(entry, "N1")),
    )


def _search(find, entry: dict, *tags: str) -> str:
    """The first id ``find`` spots in the values of ``tags``."""
    return next((found for tag in tags for value in _values(entry, tag) if (found := find(value))), "")


def _pmid(entry: dict) -> str:
    """PubMed id: "PMID: 123" in a note or custom field, or AN in a record exported from PubMed."""
    if pmid := _search(find_pmid, entry, "AN", "N1", "M1", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"):
        return pmid
    accession = _first(entry, "AN")
    source = " ".join(_values(entry, "DB") + _values(entry, "DP"))
    if accession.isdigit() and re.search(r"pubmed|medline|\bNLM\b", source, re.IGNORECASE):
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
        "authors": [_name(name) for name in record["authors"]],
        "secondary_authors": [_name(name) for name in record["editors"]],
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


def _name(name: dict) -> str:
    """Family, Given; organisations as ``references.names`` writes them, so they read back the same."""
    return name_to_text(name)
