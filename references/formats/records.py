"""The record every format parser returns, and the helpers the formats share.

A record is a plain dict keyed by ``Reference`` field names (see ``RECORD_FIELDS``); parsers
build it with ``build_record``, which is where text is tidied and identifiers are normalised,
so every format hands the importer the same thing. No Django here.
"""

import codecs
import datetime
import html
import itertools
import re
import string
import unicodedata
from collections.abc import Iterator

from .. import identifiers

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
# The values of ``references.models.ReferenceType``, repeated so that this module stays pure.
CSL_TYPES = (
    "article-journal",
    "book",
    "chapter",
    "paper-conference",
    "report",
    "thesis",
    "webpage",
    "dataset",
    "article",
    "document",
)
KEY_MAX_LENGTH = 100
_TITLE_FIELDS = ("title", "container_title", "container_title_short")
_LINE_FIELDS = (
    "volume",
    "issue",
    "publisher",
    "publisher_place",
    "edition",
    "url",
    "isbn",
)


class ParseError(ValueError):
    """A file that cannot be read in the format asked for; ``str()`` of it says what and where."""


def empty_record(type: str = "") -> dict:
    """A record with every field empty (of the given CSL ``type``, if any)."""
    record = dict.fromkeys(RECORD_FIELDS, "")
    record["type"] = type
    record.update(authors=[], editors=[], issued_year=None, accessed=None)
    return record


def build_record(**fields) -> dict:
    """A complete record from the fields a parser found, tidied the same way for every format."""
    record = empty_record()
    record.update(fields)
    if record["type"] not in CSL_TYPES:
        raise ValueError(f"{record['type']!r} is not one of the CSL types Cramps stores")
    for field in _LINE_FIELDS:
        record[field] = one_line(record[field])
    for field in _TITLE_FIELDS:
        record[field] = one_line(decode_latex_accents(strip_markup(one_line(record[field]))))
    record["abstract"] = one_line(html.unescape(strip_markup(record["abstract"])))
    record["note"] = "\n".join(
        line for line in (one_line(line) for line in str(record["note"] or "").splitlines()) if line
    )
    record["pages"] = normalize_pages(record["pages"])
    record["key"] = slugify_key(record["key"])
    record["doi"] = identifiers.normalize_doi(one_line(record["doi"]))
    record["pmid"] = identifiers.normalize_pmid(one_line(record["pmid"]))
    record["pmcid"] = identifiers.normalize_pmcid(one_line(record["pmcid"]))
    record["authors"] = _tidy_names(record["authors"])
    record["editors"] = _tidy_names(record["editors"])
    return record


def _tidy_names(names: list[dict]) -> list[dict]:
    tidied = []
    for name in names:
        parts = {
            part: decode_latex_accents(one_line(value)) for part, value in name.items() if one_line(value)
        }
        if "literal" in parts:
            tidied.append({"literal": parts["literal"]})
        elif "family" in parts:
            tidied.append({key: parts[key] for key in ("family", "given") if key in parts})
        elif "given" in parts:
            # A lone given name ("Plato") is all there is to sort and cite by.
            tidied.append({"family": parts["given"]})
    return tidied


# Decoding ---------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Text of an uploaded file, with ``\\n`` line endings.

    A byte-order mark decides (UTF-8, UTF-16 LE/BE). Without one, UTF-8 is tried; if the bytes
    are not UTF-8 the file is read as Windows-1252, which is what EndNote and Excel on Windows
    write and which, unlike Latin-1, turns bytes 0x80-0x9F into the curly quotes and dashes they
    stand for. The five bytes Windows-1252 leaves undefined fall back to Latin-1.
    """
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(data: bytes | str) -> str:
    """``decode_text`` for bytes (a str only loses its BOM and CRs), refusing empty or binary files."""
    if isinstance(data, bytes):
        text = decode_text(data)
    else:
        text = data.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    # UTF-16 without a BOM decodes "fine" as UTF-8, with a NUL byte before or after every letter.
    if (
        isinstance(data, bytes)
        and "\x00" in text
        and any(half.count(0) > len(half) // 3 for half in (data[:200:2], data[1:200:2]))
    ):
        raise ParseError(
            "This file looks like UTF-16 text without a byte-order mark. "
            "Save it again as UTF-8 (or UTF-16 with a BOM) and upload it again."
        )
    if "\x00" in text or len(re.findall(r"[\x01-\x08\x0e-\x1f]", text[:10000])) > 2:
        raise ParseError("This is a binary file (a PDF, a Word document, an image…), not a citation file.")
    if not text.strip():
        raise ParseError("The file is empty.")
    return text


# Text -------------------------------------------------------------------------------------

# A UTF-8 lead byte (0xC2-0xF4) followed by a continuation byte (0x80-0xBF), both as Latin-1 or
# Windows-1252 show them: the fingerprint of UTF-8 read with the wrong encoding.
_CONTINUATION_BYTES = {
    bytes([byte]).decode(codec, "ignore") for byte in range(0x80, 0xC0) for codec in ("latin-1", "cp1252")
}
_MOJIBAKE = re.compile(f"[\u00c2-\u00f4][{re.escape(''.join(sorted(_CONTINUATION_BYTES - {''})))}]")
_MARKUP = re.compile(r"</?([A-Za-z][\w:.-]*)(?:\s[^<>]*)?/?>")
_INLINE_TAGS = {"i", "b", "em", "strong", "sup", "sub", "u", "sc", "span", "italic", "bold", "ext-link", "a"}
_LATEX_ACCENT = re.compile(
    r"(\{)?\\(?:([uvHckrdb])(?:\s+|(?=\{))|(['\"`^~=.]))\s*(\{)?(\\[ij]|[A-Za-z])(?(4)\})(?(1)\})"
)
_COMBINING = {
    "'": "\u0301",
    '"': "\u0308",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}


def one_line(value: object) -> str:
    """``value`` as a stripped string with runs of whitespace collapsed and mojibake repaired."""
    return " ".join(repair_mojibake(str(value if value is not None else "")).split())


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was read as Latin-1/Windows-1252, even twice over (``Ã¢Â€Â˜`` → ``‘``).

    Only text that contains a typical mojibake pair and whose re-encoded bytes are valid UTF-8
    is changed, so correct accented or Cyrillic text is left alone.
    """
    for _ in range(3):
        if not _MOJIBAKE.search(text):
            break
        for encoding in ("cp1252", "latin-1"):
            try:
                text = text.encode(encoding).decode("utf-8")
                break
            except UnicodeError:
                continue
        else:
            break
    return text


def strip_markup(text: str) -> str:
    """Drop HTML/JATS tags (``<jats:p>``, ``<i>``, ``<ext-link …>``) that publishers leave in text."""

    def replace(match: re.Match) -> str:
        return "" if match.group(1).lower() in _INLINE_TAGS else " "

    return _MARKUP.sub(replace, str(text or ""))


def decode_latex_accents(text: str) -> str:
    """``Exposici\\'on`` → ``Exposición``: the accent commands BibTeX users leave in other formats."""

    def replace(match: re.Match) -> str:
        letter = match.group(5).lstrip("\\")
        return unicodedata.normalize("NFC", letter + _COMBINING[match.group(2) or match.group(3)])

    return _LATEX_ACCENT.sub(replace, text) if "\\" in text else text


def normalize_pages(value: object) -> str:
    """``"749--758"``, ``"749 – 758"`` → ``"749-758"``."""
    return re.sub(r"\s*(?:--|[\u2010-\u2015\u2212])\s*|\s+-\s+", "-", one_line(value))


def join_pages(start: str, end: str) -> str:
    start, end = one_line(start), one_line(end)
    return f"{start}-{end}" if start and end and end != start else start or end


def year_from(value: object) -> int | None:
    """The first stand-alone four-digit number: ``"2014//"``, ``"2020 Feb"``, ``"2018/03/01/"``."""
    match = re.search(r"(?<!\d)(\d{4})(?!\d)", str(value if value is not None else ""))
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def date_from(value: object) -> datetime.date | None:
    """A full date written year first: ``"2019/03/12/T20:12:22Z"``, ``"2019-03-12TZ"``."""
    match = re.search(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)", str(value or ""))
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def isbn_from(value: object) -> str:
    """The first ISBN-10 or ISBN-13 in ``value`` ("" if none): RIS ``SN`` holds ISSNs too."""
    for token in re.split(r"[\s,;()]+", one_line(value)):
        if re.fullmatch(r"\d{9}[\dXx]|97[89]\d{10}", token.replace("-", "")):
            return token
    return ""


def find_pmid(text: str) -> str:
    """The PMID in a note such as Zotero's "Extra" (``PMID: 25992719``), or ""."""
    match = re.search(r"\bPMID:?\s*(\d{1,9})\b", text or "", re.IGNORECASE)
    return match.group(1) if match else ""


def find_pmcid(text: str) -> str:
    match = re.search(r"\bPMC\d+\b", text or "", re.IGNORECASE)
    return match.group() if match else ""


def slugify_key(value: object) -> str:
    """A citation key the ``Reference.key`` SlugField accepts: ASCII letters, digits, ``-``, ``_``.

    Accents are dropped (``Müller2001`` → ``Muller2001``), every run of other characters becomes
    one ``-`` (``doi:10.7554/elife.32822`` → ``doi-10-7554-elife-32822``); case is kept.
    """
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:KEY_MAX_LENGTH].rstrip("-")


# Keys and duplicates ----------------------------------------------------------------------

_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch - y - e yu ya".split(),
        strict=True,
    )
)


def make_key(record: dict, taken: set[str]) -> str:
    """``rude1998``, then ``rude1998a``, ``rude1998b``… for keys already in ``taken``.

    The name part is the first author's family name folded to ASCII letters (Cyrillic is
    transliterated, so "Викторов" gives ``viktorov``); an organisation gives its initials
    ("World Health Organization" → ``who``); no author gives ``anon``. No year gives ``nd``.
    """
    base = _key_name(record.get("authors") or [])[:40] + str(record.get("issued_year") or "nd")
    return next(base + suffix for suffix in _suffixes() if base + suffix not in taken)


def _suffixes():
    yield ""
    for length in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            yield "".join(letters)


def _key_name(authors: list[dict]) -> str:
    if not authors:
        return "anon"
    first = authors[0]
    if first.get("family"):
        name = first["family"]
    else:
        words = [word for word in (first.get("literal") or "").split() if word[:1].isupper()]
        name = "".join(word[0] for word in words) if len(words) > 1 else first.get("literal") or ""
    name = "".join(_CYRILLIC.get(char, char) for char in name.casefold())
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", name) or "anon"


def match_keys(record: dict) -> list[tuple]:
    """The identities two records are the same work by, strongest first.

    ``("doi", doi)``, ``("pmid", pmid)``, then ``("title", normalised title, first author's
    family name casefolded, year)``; a record with no title and no identifier has none.
    """
    keys: list[tuple] = []
    doi = identifiers.normalize_doi(record.get("doi") or "")
    pmid = identifiers.normalize_pmid(record.get("pmid") or "")
    if doi:
        keys.append(("doi", doi))
    if pmid:
        keys.append(("pmid", pmid))
    title = identifiers.normalize_title(record.get("title") or "")
    if title:
        authors = record.get("authors") or []
        family = (authors[0].get("family") or authors[0].get("literal") or "") if authors else ""
        keys.append(("title", title, family.casefold(), record.get("issued_year")))
    return keys


_IDENTITY_LABELS = {"doi": "DOI", "pmid": "PMID"}


def describe_identity(identity: tuple) -> str:
    """``("doi", "10.1/x")`` → "same DOI 10.1/x", for messages."""
    if identity[0] in _IDENTITY_LABELS:
        return f"same {_IDENTITY_LABELS[identity[0]]} {identity[1]}"
    return "same title, first author and year"


def keyed(records: list[dict]) -> Iterator[tuple[dict, str]]:
    """Each record with its key; one without a key gets a fresh one from ``make_key``."""
    taken = {record["key"] for record in records if record["key"]}
    for record in records:
        key = record["key"] or make_key(record, taken)
        taken.add(key)
        yield record, key


def duplicate_signature(record: dict) -> tuple:
    """The strongest of ``match_keys`` (``()`` if there is none)."""
    keys = match_keys(record)
    return keys[0] if keys else ()


# Tagged line formats (RIS, Web of Science) -----------------------------------------------


def check_tagged_records(
    lines: list[str], tag_of, *, start: str, end: str, format_name: str, outside: tuple[str, ...] = ()
) -> int:
    """Raise ``ParseError`` unless every record opens with ``start`` and closes with ``end``.

    ``tag_of(line)`` gives a line's tag or None for untagged lines; tags in ``outside`` (file
    headers) may appear between records. Returns the number of records. The libraries that
    read these formats silently drop a record with no end tag: this check is what turns a
    truncated upload into an error instead of a quietly shorter import.
    """
    opened_on = None
    count = 0
    for number, line in enumerate(lines, 1):
        tag = tag_of(line)
        if tag is None or (opened_on is None and tag in outside):
            continue
        if tag == start:
            if opened_on is not None:
                raise ParseError(
                    f"{format_name}, line {number}: record {count + 1} starts before record {count} "
                    f"(line {opened_on}) has ended with an {end} line."
                )
            opened_on = number
            count += 1
        elif opened_on is None:
            raise ParseError(
                f"{format_name}, line {number}: the {tag} line is outside any record; "
                f"every record must start with a {start} line (record type)."
            )
        elif tag == end:
            opened_on = None
    if opened_on is not None:
        raise ParseError(
            f"{format_name}: record {count} (line {opened_on}) has no {end} line; the file looks truncated."
        )
    if not count:
        raise ParseError(f"No {format_name} records found: there is no line starting with {start}.")
    return count
