"""Text clean-up shared by ``record.build_record`` and the format readers. Pure functions, no Django.

Citation files carry HTML and JATS tags, LaTeX accents, UTF-8 read as Windows-1252, page
ranges written five ways and dates in any order; these helpers turn such values into the
plain text a record stores.
"""

import datetime
import re
import unicodedata

KEY_MAX_LENGTH = 100

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
# Web of Science writes an article number in place of pages as "UNSP 1722034"; the marker is noise.
_PAGE_MARKERS = re.compile(r"^(?:UNSP|ARTN)\s+", re.IGNORECASE)


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
    """``"749--758"``, ``"749 – 758"`` → ``"749-758"``; ``"UNSP 1722034"`` → ``"1722034"``."""
    pages = _PAGE_MARKERS.sub("", one_line(value))
    return re.sub(r"\s*(?:--|[\u2010-\u2015\u2212])\s*|\s+-\s+", "-", pages)


def join_pages(start: str, end: str) -> str:
    start, end = one_line(start), one_line(end)
    return f"{start}-{end}" if start and end and end != start else start or end


def year_from(value: object) -> int | None:
    """The first stand-alone four-digit number: ``"2014//"``, ``"2020 Feb"``, ``"2018/03/01/"``."""
    match = re.search(r"(?<!\d)(\d{4})(?!\d)", str(value if value is not None else ""))
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def date_from(value: object) -> datetime.date | None:
    """A full date written year first: ``"2019/03/12/T20:12:22Z"``, ``"2019-03-12TZ"``."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
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


def slugify_key(value: object) -> str:
    """A citation key the ``Reference.key`` SlugField accepts: ASCII letters, digits, ``-``, ``_``.

    Accents are dropped (``Müller2001`` → ``Muller2001``), every run of other characters becomes
    one ``-`` (``doi:10.7554/elife.32822`` → ``doi-10-7554-elife-32822``); case is kept.
    """
    text = unicodedata.normalize("NFKD", str(value or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")[:KEY_MAX_LENGTH].rstrip("-")


def shorten(text: str, length: int = 60) -> str:
    """``text`` cut to ``length`` characters with an ellipsis, for messages that quote a value."""
    text = one_line(text)
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"
