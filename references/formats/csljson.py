"""CSL-JSON: a JSON list of CSL items, as Zotero, Better BibTeX, Manubot, pandoc and citeproc use.

A single item object is read as a list of one. CSL-JSON has no envelope to recognise it by,
so a file in which no item has a ``title`` is taken to be some other JSON and refused (a
Crossref API answer is named as such; it belongs to ``lookup``). An item that is not an
object, or a name list that is not one, is left out with a warning. A type Cramps does not
model (``legal-case``, ``patent``…) becomes "document".
"""

import datetime
import json

from .. import identifiers
from ..matching import keyed
from ..record import CSL_TYPES, Problem, Record, build_record, empty_record
from .common import ParsedRecords, ParseError, load_json, read_text

# CSL types Cramps does not store → the nearest one it does; any other type is a "document".
NEAREST_TYPES = {
    "article-magazine": "article-journal",
    "article-newspaper": "article-journal",
    "review": "article-journal",
    "review-book": "article-journal",
    "entry": "chapter",
    "entry-dictionary": "chapter",
    "entry-encyclopedia": "chapter",
    "post": "webpage",
    "post-weblog": "webpage",
}
# Every variable this reader imports; the others are listed as unused in the import preview. The
# note is searched for a PMID but not imported: it is the file owner's jotting.
_READ_KEYS = {
    "id", "type", "author", "editor", "title", "container-title", "container-title-short", "journalAbbreviation",
    "short-container-title", "issued", "volume", "issue", "page", "publisher", "publisher-place", "edition", "URL",
    "DOI", "PMID", "PMCID", "ISBN", "accessed", "abstract",
}  # fmt: skip


def parse(data: bytes | str) -> ParsedRecords:
    items = load_json(read_text(data), "CSL-JSON")
    if isinstance(items, dict):
        if "message-type" in items and "message" in items:
            raise ParseError(
                "This is a Crossref API answer, not CSL-JSON: paste its DOI into the look-up instead."
            )
        items = [items]
    if not isinstance(items, list):
        raise ParseError("CSL-JSON: the file should hold a list of items ([{…}, {…}]).")
    if not items:
        raise ParseError("CSL-JSON: the list of items is empty.")
    if not any(isinstance(item, dict) and _text(item.get("title")) for item in items):
        first = items[0]
        found = ", ".join(list(first)[:8]) if isinstance(first, dict) else type(first).__name__
        raise ParseError(
            f"CSL-JSON: no item has a title, so this does not look like CSL-JSON (the first item: {found or 'empty'})."
        )
    keys = {key for item in items if isinstance(item, dict) for key in item}
    return ParsedRecords(
        [_record(item) for item in items],
        format="csljson",
        unused=sorted(keys - _READ_KEYS, key=str.casefold),
    )


def _record(item: object) -> Record:
    if not isinstance(item, dict):
        record = empty_record("document")
        record.problem("item", type(item).__name__, "is not an object with CSL fields; left out.")
        return record
    problems: list[Problem] = []
    written_type = _text(item.get("type"))
    csl_type = written_type if written_type in CSL_TYPES else NEAREST_TYPES.get(written_type, "")
    container = _text(item.get("container-title"))
    if written_type and not csl_type:
        csl_type = "document"
    record = build_record(
        type=csl_type or ("article-journal" if container else "document"),
        key=_text(item.get("id")),
        authors=_names(item.get("author"), "author", problems),
        editors=_names(item.get("editor"), "editor", problems),
        title=_text(item.get("title")),
        container_title=container,
        container_title_short=_text(
            item.get("container-title-short")
            or item.get("journalAbbreviation")
            or item.get("short-container-title")
        ),
        issued_year=_year(item.get("issued")),
        volume=_text(item.get("volume")),
        issue=_text(item.get("issue")),
        pages=_text(item.get("page")),
        publisher=_text(item.get("publisher")),
        publisher_place=_text(item.get("publisher-place")),
        edition=_text(item.get("edition")),
        url=_text(item.get("URL")),
        doi=_text(item.get("DOI")),
        # Zotero keeps ids it has no CSL field for in the note ("Extra"): "PMID: 25992719".
        pmid=_text(item.get("PMID")) or identifiers.find_pmid(_text(item.get("note"))),
        pmcid=_text(item.get("PMCID")) or identifiers.find_pmcid(_text(item.get("note"))),
        isbn=_text(item.get("ISBN")),
        accessed=_date(item.get("accessed")),
        abstract=_text(item.get("abstract")),
    )
    record.problems[:0] = problems
    if written_type and written_type not in CSL_TYPES and written_type not in NEAREST_TYPES:
        record.problem("type", written_type, f"is a type Cramps does not model; read as “{record['type']}”.")
    return record


def _text(value: object) -> str:
    """A CSL string field; Crossref-flavoured CSL puts some in lists and numbers appear unquoted."""
    if isinstance(value, list):
        value = next((part for part in value if isinstance(part, (str, int))), "")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return str(value).strip()


def _names(value: object, field: str, problems: list[Problem]) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(name, dict) for name in value):
        problems.append(Problem(field, str(value)[:200], 'is not a list of names like {"family": …, "given": …}; '
                                                          "left out."))  # fmt: skip
        return []
    names = []
    for name in value:
        if _text(name.get("literal")):
            names.append({"literal": _text(name["literal"])})
            continue
        # Particles join the family ("van Gogh") or given name; the suffix stays a part of its own.
        family = " ".join(
            part for part in map(_text, (name.get("non-dropping-particle"), name.get("family"))) if part
        )
        given = " ".join(
            part for part in map(_text, (name.get("given"), name.get("dropping-particle"))) if part
        )
        names.append({"family": family, "given": given, "suffix": _text(name.get("suffix"))})
    return names


def _date_parts(value: object) -> list:
    """``[year, month, day]`` (as far as given) of a CSL date."""
    if isinstance(value, dict) and isinstance(value.get("date-parts"), list) and value["date-parts"]:
        first = value["date-parts"][0]
        return list(first) if isinstance(first, list) else []
    return []


def _year(value: object) -> str:
    """The year of a CSL date given as date-parts, as ``raw``/``literal`` text, or as a bare string."""
    if parts := _date_parts(value):
        return _text(parts[0])
    return _text(value.get("raw") or value.get("literal")) if isinstance(value, dict) else _text(value)


def _date(value: object) -> datetime.date | None:
    parts = _date_parts(value)
    try:
        return datetime.date(*(int(part) for part in parts)) if len(parts) == 3 else None
    except (TypeError, ValueError):
        return None


def dump(records: list[dict]) -> str:
    """A pretty-printed JSON list of CSL items; a record without a key gets one from ``make_key``."""
    items = [item_from_record(record, key) for record, key in keyed(records)]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def item_from_record(record: dict, key: str = "") -> dict:
    """The CSL-JSON item for a record (the shape citeproc formats); empty fields are left out."""
    item: dict = {"id": key or record["key"], "type": record["type"], "title": record["title"]}
    if record["authors"]:
        item["author"] = record["authors"]
    if record["editors"]:
        item["editor"] = record["editors"]
    if record["issued_year"]:
        item["issued"] = {"date-parts": [[record["issued_year"]]]}
    if record["accessed"]:
        accessed = record["accessed"]
        item["accessed"] = {"date-parts": [[accessed.year, accessed.month, accessed.day]]}
    fields = {
        "container-title": "container_title",
        "container-title-short": "container_title_short",
        "volume": "volume",
        "issue": "issue",
        "page": "pages",
        "publisher": "publisher",
        "publisher-place": "publisher_place",
        "edition": "edition",
        "URL": "url",
        "DOI": "doi",
        "PMID": "pmid",
        "PMCID": "pmcid",
        "ISBN": "isbn",
        "abstract": "abstract",
        "note": "note",
    }
    item.update({csl: record[field] for csl, field in fields.items() if record[field]})
    return item
