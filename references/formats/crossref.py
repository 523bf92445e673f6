"""Crossref works (the "message" of a ``/works/{doi}`` answer) as records."""

import html
import re

from .. import identifiers
from ..record import build_record

CROSSREF_TYPES = {
    "journal-article": "article-journal",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-chapter": "chapter",
    "book-section": "chapter",
    "book-part": "chapter",
    "proceedings-article": "paper-conference",
    "report": "report",
    "dissertation": "thesis",
    "posted-content": "article",
    "dataset": "dataset",
}


def record_from_crossref(work: dict) -> dict:
    """A record from a Crossref work (the "message" of a /works/{doi} answer)."""
    csl_type = CROSSREF_TYPES.get(work.get("type", ""), "document")
    title = _markup_text(_first(work.get("title")))
    subtitle = _markup_text(_first(work.get("subtitle")))
    if subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}" if title else subtitle
    url = work.get("URL") or ""
    doi = identifiers.valid_doi(work.get("DOI") or "")
    # For a whole book Crossref's container-title is its series, which CSL would print as a container.
    in_container = csl_type != "book"
    return build_record(
        type=csl_type,
        authors=_crossref_names(work.get("author")),
        editors=_crossref_names(work.get("editor")),
        title=title,
        container_title=_markup_text(_first(work.get("container-title"))) if in_container else "",
        container_title_short=_markup_text(_first(work.get("short-container-title"))) if in_container else "",
        issued_year=_crossref_year(work),
        volume=_string(work.get("volume")),
        issue=_string(work.get("issue")),
        pages=_string(work.get("page")),
        publisher=_string(work.get("publisher")),
        publisher_place=_string(work.get("publisher-location")),
        edition=_string(work.get("edition-number")),
        # Crossref's URL is the DOI resolver link, which the DOI already gives.
        url="" if doi and identifiers.normalize_doi(url) == doi else url,
        doi=doi,
        isbn=_string(_first(work.get("ISBN"))),
        abstract=_jats_text(work.get("abstract") or ""),
    )


def _first(values: object) -> object:
    if isinstance(values, list):
        return values[0] if values else ""
    return values or ""


def _string(value: object) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int) else ""


def _crossref_names(people: object) -> list[dict]:
    names = []
    for person in people if isinstance(people, list) else []:
        if not isinstance(person, dict):
            continue
        name = {part: _string(person.get(part)) for part in ("family", "given", "suffix")}
        name = {part: value for part, value in name.items() if value}
        if "family" in name:
            names.append(name)
        elif literal := _string(person.get("name")) or name.get("given", ""):
            names.append({"literal": literal})
    return names


def _crossref_year(work: dict) -> int | None:
    for field in ("issued", "published-print", "published-online", "published"):
        try:
            year = work[field]["date-parts"][0][0]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(year, int | str) and str(year).isdigit():
            return int(year)
    return None


def _markup_text(value: object) -> str:
    """A Crossref title may carry HTML (<i>, <sub>) and entities; keep the words."""
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", value)).split())


def _jats_text(value: str) -> str:
    """Plain paragraphs from a JATS abstract; section titles become "Title: text"."""
    value = re.sub(r"<(jats:)?title>\s*Abstract\s*</(jats:)?title>", "", value, flags=re.IGNORECASE)
    value = re.sub(r"<(?:jats:)?title>(.*?)</(?:jats:)?title>\s*", r"\1: ", value, flags=re.DOTALL)
    value = re.sub(r"</(?:jats:)?p>", "\n\n", value)
    paragraphs = (_markup_text(paragraph) for paragraph in value.split("\n\n"))
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
