"""The record of a reference: its fields, its CSL types, how one is built, and how names are written.

A record is a plain dict keyed by ``Reference`` field names (``RECORD_FIELDS``). Every reader
(RIS, MEDLINE, BibTeX, CSL-JSON, Web of Science, spreadsheets, PubMed XML, Crossref) returns
``build_record(...)``, which tidies text, normalises identifiers and sets aside any value it
cannot use as a ``Problem`` on the record, so every source hands the importer the same thing.
``ReferenceType`` (the model's choices) is built from ``CSL_TYPES``. No Django here.

Names are CSL names: ``{"family", "given", "suffix"}`` for a person, ``{"literal"}`` for an
organisation. As text (the admin form, a spreadsheet cell, RIS) a person is "Family, Given" or
"Family, Given, Suffix"; an organisation is its name, in braces when it holds a comma or a
semicolon. ``name_from_text`` and ``name_to_text`` are the one converter, and ``NAME_SUFFIX``
the one rule for what counts as a suffix.
"""

import datetime
import html
import re
from dataclasses import dataclass

from . import identifiers
from .text import (
    date_from,
    decode_latex_accents,
    isbn_from,
    normalize_pages,
    one_line,
    slugify_key,
    strip_markup,
    year_from,
)

RECORD_FIELDS = (
    "type",
    "key",
    "authors",
    "editors",
    "title",
    "container_title",
    "container_title_short",
    "issued_year",
    "volume",
    "issue",
    "pages",
    "publisher",
    "publisher_place",
    "edition",
    "url",
    "doi",
    "pmid",
    "pmcid",
    "isbn",
    "accessed",
    "abstract",
    "note",
)
# The CSL item types Cramps stores, with their labels for editors. "document" is the catch-all
# for any type a source has that Cramps does not model (a legal case, a patent, a broadcast…).
CSL_TYPES = {
    "article-journal": "Journal article",
    "book": "Book",
    "chapter": "Book chapter",
    "paper-conference": "Conference paper",
    "report": "Report",
    "thesis": "Thesis",
    "webpage": "Web page",
    "dataset": "Dataset",
    "article": "Preprint or other article",
    "document": "Other document",
}
NAME_PARTS = ("family", "given", "suffix")
_TITLE_FIELDS = ("title", "container_title", "container_title_short")
_LINE_FIELDS = ("volume", "issue", "publisher", "publisher_place", "edition", "isbn")
_IDENTIFIERS = {
    "doi": (identifiers.normalize_doi, identifiers.is_valid_doi, "is not a DOI (10.1234/abc)"),
    "pmid": (identifiers.normalize_pmid, identifiers.is_valid_pmid, "is not a PMID (digits only)"),
    "pmcid": (identifiers.normalize_pmcid, identifiers.is_valid_pmcid, "is not a PMCID (PMC1234567)"),
}
_WEB_ADDRESS = re.compile(r"^(?:https?|ftps?)://[^\s/?#]+\S*$", re.IGNORECASE)
YEAR_RANGE = (1, 32767)  # what Reference.issued_year (a PositiveSmallIntegerField) holds


@dataclass(frozen=True)
class Problem:
    """A value a reader could not use: the field (Cramps' name or the file's own), the value, why."""

    field: str
    value: str
    why: str


class Record(dict):
    """A record (a dict of ``RECORD_FIELDS``) that also carries the ``problems`` met building it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems: list[Problem] = []

    def problem(self, field: str, value: object, why: str) -> None:
        self.problems.append(Problem(field, one_line(value), why))

    def label(self) -> str:
        return record_label(self)


def record_label(record: dict) -> str:
    """Which record this is, in the file's own words: its key, else the start of its title."""
    if record.get("key"):
        return record["key"]
    title = one_line(record.get("title"))
    return f"“{title[:50]}…”" if len(title) > 50 else f"“{title}”" if title else "no title"


def empty_record(type: str = "") -> Record:
    """A record with every field empty (of the given CSL ``type``, if any)."""
    record = Record.fromkeys(RECORD_FIELDS, "")
    record["type"] = type
    record.update(authors=[], editors=[], issued_year=None, accessed=None)
    return record


def build_record(**fields) -> Record:
    """A complete record from what a reader found, tidied the same way for every format.

    Readers pass text as found: a year as "2014//" or "in press", a DOI as a resolver address,
    a URL as ``//host/…``. What can be read is normalised; what cannot (a year with no year in
    it, an identifier of the wrong shape, an address that is not a web address) is left out of
    the record and kept as a ``Problem``. An unknown ``type`` is a programming error.
    """
    record = empty_record()
    record.update(fields)
    if record["type"] not in CSL_TYPES:
        raise ValueError(f"{record['type']!r} is not one of the CSL types Cramps stores")
    for field in _LINE_FIELDS:
        record[field] = one_line(record[field])
    for field in _TITLE_FIELDS:
        record[field] = one_line(decode_latex_accents(strip_markup(one_line(record[field]))))
    # Paragraphs (blank-line separated, as PubMed's labelled sections are) survive; other breaks do not.
    paragraphs = re.split(r"\n\s*\n", html.unescape(strip_markup(str(record["abstract"] or ""))))
    record["abstract"] = "\n\n".join(text for text in map(one_line, paragraphs) if text)
    record["note"] = "\n".join(
        line for line in (one_line(line) for line in str(record["note"] or "").splitlines()) if line
    )
    record["pages"] = normalize_pages(record["pages"])
    record["isbn"] = isbn_from(record["isbn"]) or record["isbn"]
    _build_key(record)
    _build_year(record)
    _build_url(record)
    for field, (normalize, is_valid, why) in _IDENTIFIERS.items():
        value = normalize(one_line(record[field]))
        if value and not is_valid(value):
            record.problem(field, record[field], f"{why}; left out.")
            value = ""
        record[field] = value
    _build_accessed(record)
    record["authors"] = _tidy_names(record["authors"])
    record["editors"] = _tidy_names(record["editors"])
    return record


def _build_key(record: Record) -> None:
    written = one_line(record["key"])
    record["key"] = slugify_key(written)
    if written and record["key"] != written:
        if record["key"]:
            why = f"is not a citation key (letters, digits, - and _); it becomes “{record['key']}”."
        else:
            why = "is not a citation key; Cramps will make one."
        record.problem("key", written, why)


def _build_year(record: Record) -> None:
    value = record["issued_year"]
    if value is None or value == "":
        record["issued_year"] = None
        return
    year = value if isinstance(value, int) and not isinstance(value, bool) else year_from(value)
    if year is None or not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
        record.problem("issued_year", value, "is not a year; left out.")
        year = None
    record["issued_year"] = year


def _build_accessed(record: Record) -> None:
    value = record["accessed"]
    if isinstance(value, datetime.datetime):
        value = value.date()
    if value in (None, "") or isinstance(value, datetime.date):
        record["accessed"] = value or None
        return
    record["accessed"] = date_from(value)
    if record["accessed"] is None:
        record.problem("accessed", value, "is not a date written year first (2019-03-12); left out.")


def _build_url(record: Record) -> None:
    url = one_line(record["url"])
    if url.startswith("//"):
        url = "https:" + url  # protocol-relative, as ScienceDirect writes it
    elif url.lower().startswith("www."):
        url = "https://" + url
    if url and not _WEB_ADDRESS.match(url):
        record.problem("url", url, "is not a web address; left out.")
        url = ""
    record["url"] = url


def _tidy_names(names: list[dict]) -> list[dict]:
    tidied = []
    for name in names or []:
        parts = {
            part: decode_latex_accents(one_line(value)) for part, value in name.items() if one_line(value)
        }
        if re.fullmatch(r"\[.*\]", parts.get("literal", "")):
            continue  # a placeholder such as Scopus' "[No author name available]"
        if "literal" in parts:
            tidied.append({"literal": parts["literal"]})
        elif "family" in parts:
            tidied.append({part: parts[part] for part in NAME_PARTS if part in parts})
        elif "given" in parts:
            # A lone given name ("Plato") is all there is to sort and cite by.
            tidied.append({"family": parts["given"]})
    return tidied


# Names as text -------------------------------------------------------------------------------

# Generational suffixes. As the last word of a given name "V" and "I" are initials, not numerals.
NAME_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|v|vi|2nd|3rd|4th|5th)\.?$", re.IGNORECASE)
_TRAILING_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|vi|2nd|3rd|4th|5th)\.?$", re.IGNORECASE)
# Initials after a family name: "R.", "D.G.", "J.-P." ("Liu R."); without full stops only where
# a whole list is written that way ("Smith J, Doe AB"), since "Council UK" could be an organisation.
_INITIALS_WITH_STOPS = re.compile(r"^(?:[A-Z]\.-?)+$")
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")


def name_from_text(text: str) -> dict:
    """``"Rude, Robert K"`` → family/given; ``"Smith, Amos B, III"`` adds a suffix; ``"Liu R."`` is a
    person; anything else without a comma (or in braces) is an organisation."""
    text = " ".join(str(text or "").split())
    if text.startswith("{") and text.endswith("}"):
        return {"literal": text[1:-1].strip()}
    if "," in text:
        family, *rest = (part.strip() for part in text.split(","))
        # "Family, Given, Suffix" or BibTeX's "Family, Suffix, Given"; "Herbert, V" has no suffix.
        suffix = next((part for part in rest if NAME_SUFFIX.match(part)), "") if len(rest) > 1 else ""
        given = " ".join(part for part in rest if part and part != suffix)
        if not suffix:
            given, suffix = _split_suffix(given)
        return _person(family, given, suffix)
    words = _split_suffix(text)[0].split()
    if len(words) > 1 and _INITIALS_WITH_STOPS.match(words[-1]):
        return name_from_initials(text)
    if len(words) > 1 and _is_given_first(words):
        rest, suffix = _split_suffix(text)
        given, _, family = rest.rpartition(" ")
        return _person(family, given, suffix)
    return {"literal": text} if text else {}


def _is_given_first(words: list[str]) -> bool:
    """``P. Kogge``, ``Araz R. Aliev`` (IEEE, Springer): capitalised words with at least one
    initial with a full stop before the family name. "U.S. Department of Agriculture" is not."""
    *given, family = words
    return (
        any(_INITIALS_WITH_STOPS.match(word) for word in given)
        and all(word[:1].isupper() and (word.isalpha() or _INITIALS_WITH_STOPS.match(word)) for word in given)
        and family[:1].isupper()
        and family.replace("-", "").replace("'", "").isalpha()
    )


def name_from_initials(text: str) -> dict:
    """MEDLINE's and Scopus' short form: ``"Rude RK"``, ``"Adler D.G."``, ``"Smith AB 3rd"``."""
    text, suffix = _split_suffix(" ".join(str(text or "").split()))
    family, _, initials = text.rpartition(" ")
    return _person(family, initials, suffix) if family else _person(initials, "", suffix)


def is_trailing_suffix(word: str) -> bool:
    """Whether ``word``, last in a name written without commas, is a suffix ("Jr.", "III", "3rd")."""
    return bool(_TRAILING_SUFFIX.match(word))


def _split_suffix(text: str) -> tuple[str, str]:
    """``"Amos B 3rd"`` → ``("Amos B", "3rd")``."""
    words = text.split()
    if len(words) > 1 and _TRAILING_SUFFIX.match(words[-1]):
        return " ".join(words[:-1]), words[-1]
    return text, ""


def _person(family: str, given: str, suffix: str) -> dict:
    name = {"family": family, "given": given, "suffix": suffix}
    return {part: value for part, value in name.items() if value}


def name_to_text(name: dict) -> str:
    """The text ``name_from_text`` reads back as ``name``."""
    if "literal" in name:
        literal = name["literal"]
        return f"{{{literal}}}" if re.search("[,;]", literal) else literal
    family, given, suffix = (name.get(part, "") for part in NAME_PARTS)
    if suffix:
        return f"{family}, {given}, {suffix}"
    return f"{family}, {given}".rstrip()


def names_from_lines(text: str) -> list[dict]:
    """One name per line, as the admin form has them."""
    return [name for name in (name_from_text(line) for line in (text or "").splitlines()) if name]


def names_to_lines(names: list[dict]) -> str:
    return "\n".join(name_to_text(name) for name in names or [])


def names_from_cell(text: str) -> list[dict]:
    """Several names in one value, as spreadsheets and some RIS files write them.

    ``"Rude, Robert K; Wester, PO"`` (Cramps, Scopus, ISI RIS) splits on semicolons outside
    braces. A list where every comma-separated part is a family name and initials
    (``"Liu R., Adler D.G."``, ``"Smith J, Doe A"``: Embase, old Scopus, PubMed) splits on
    commas. Anything else is one name.
    """
    text = " ".join(str(text or "").split())
    parts = _split_outside_braces(text, ";")
    if len(parts) == 1:
        commas = _split_outside_braces(text, ",")
        if len(commas) > 1 and all(_is_initials_name(part) for part in commas):
            return [name_from_initials(part) for part in commas]
    return [name for name in (name_from_text(part) for part in parts) if name]


def names_to_cell(names: list[dict]) -> str:
    return "; ".join(name_to_text(name) for name in names or [])


def _is_initials_name(text: str) -> bool:
    words = _split_suffix(text.strip())[0].split()
    return len(words) > 1 and bool(_INITIALS.match(words[-1])) and not _INITIALS.match(words[0])


def _split_outside_braces(text: str, separator: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def name_display(name: dict) -> str:
    """``"Robert K Rude III"``: a name as words, for search and previews."""
    if "literal" in name:
        return name["literal"]
    return " ".join(name[part] for part in ("given", "family", "suffix") if name.get(part))
