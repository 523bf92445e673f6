"""CSL-JSON: a JSON list of CSL items, as Zotero, Better BibTeX, Manubot, pandoc and citeproc use.

A single item object is read as a list of one. CSL-JSON has no envelope to recognise it by,
so every item must be an object with a ``title``: anything else is taken to be some other
JSON and refused (a Crossref API answer is named as such; it belongs to ``lookup``).
"""

import datetime
import json

from .records import (
    CSL_TYPES,
    ParseError,
    build_record,
    find_pmcid,
    find_pmid,
    keyed,
    read_text,
    year_from,
)

# CSL types Cramps does not store → the nearest one it does.
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
    "manuscript": "document",
}


def parse(data: bytes | str) -> list[dict]:
    try:
        items = json.loads(read_text(data))
    except json.JSONDecodeError as error:
        raise ParseError(
            f"CSL-JSON: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}."
        ) from None
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
    return [_record(item, number) for number, item in enumerate(items, 1)]


def _record(item: object, number: int) -> dict:
    where = f"CSL-JSON, item {number}"
    if not isinstance(item, dict):
        raise ParseError(f"{where} is a {type(item).__name__}, not an object with CSL fields.")
    if "id" in item:
        where += f" (id {item['id']!r})"
    title = _text(item.get("title"))
    if not title:
        found = ", ".join(list(item)[:8]) or "none"
        raise ParseError(f"{where} has no title, so it does not look like a CSL item (its keys: {found}).")
    csl_type = _text(item.get("type"))
    csl_type = csl_type if csl_type in CSL_TYPES else NEAREST_TYPES.get(csl_type, "")
    container = _text(item.get("container-title"))
    return build_record(
        type=csl_type or ("article-journal" if container else "document"),
        key=_text(item.get("id")),
        authors=_names(item.get("author"), where, "author"),
        editors=_names(item.get("editor"), where, "editor"),
        title=title,
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
        pmid=_text(item.get("PMID")) or find_pmid(_text(item.get("note"))),
        pmcid=_text(item.get("PMCID")) or find_pmcid(_text(item.get("note"))),
        isbn=_text(item.get("ISBN")),
        accessed=_date(item.get("accessed")),
        abstract=_text(item.get("abstract")),
        note=_text(item.get("note")),
    )


def _text(value: object) -> str:
    """A CSL string field; Crossref-flavoured CSL puts some in lists and numbers appear unquoted."""
    if isinstance(value, list):
        value = next((part for part in value if isinstance(part, (str, int))), "")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    return str(value).strip()


def _names(value: object, where: str, field: str) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(name, dict) for name in value):
        raise ParseError(f'{where}: "{field}" should be a list of names like {{"family": …, "given": …}}.')
    names = []
    for name in value:
        if _text(name.get("literal")):
            names.append({"literal": _text(name["literal"])})
            continue
        # Cramps keeps family and given only: particles and suffixes join the family name.
        family = " ".join(
            part
            for part in map(
                _text, (name.get("non-dropping-particle"), name.get("family"), name.get("suffix"))
            )
            if part
        )
        given = " ".join(
            part for part in map(_text, (name.get("given"), name.get("dropping-particle"))) if part
        )
        names.append({"family": family, "given": given})
    return names


def _date_parts(value: object) -> list:
    """``[year, month, day]`` (as far as given) of a CSL date."""
    if isinstance(value, dict) and isinstance(value.get("date-parts"), list) and value["date-parts"]:
        first = value["date-parts"][0]
        return list(first) if isinstance(first, list) else []
    return []


def _year(value: object) -> int | None:
    """The year of a CSL date given as date-parts, as ``raw``/``literal`` text, or as a bare string."""
    if parts := _date_parts(value):
        return year_from(parts[0])
    return year_from(
        _text(value.get("raw") or value.get("literal")) if isinstance(value, dict) else _text(value)
    )


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
