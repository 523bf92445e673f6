"""What every reader shares: decoding bytes, the records-with-warnings a reader returns, errors.

No Django here. A reader refuses a file (``ParseError``) only when it cannot find one readable
record in it, or the file is truncated or is not in its format at all. Anything less (a field
it cannot read, a repeated field, a line outside any record) becomes a warning that the
import preview and ``import_references`` show: which record, which field, the value, why.
"""

import codecs
import json
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

MAX_JSON_DEPTH = 20
# Codec names as editors know them, for the import preview.
ENCODING_NAMES = {
    "utf_8": "UTF-8",
    "utf_16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin_1": "Latin-1",
    "gb18030": "GB18030 (Chinese, GBK)",
    "gbk": "GBK (Chinese)",
    "gb2312": "GB2312 (Chinese)",
    "big5": "Big5 (Chinese)",
    "cp932": "Shift JIS (Japanese)",
    "shift_jis": "Shift JIS (Japanese)",
    "euc_jp": "EUC-JP (Japanese)",
    "cp949": "EUC-KR (Korean)",
    "euc_kr": "EUC-KR (Korean)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "koi8_r": "KOI8-R (Cyrillic)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1253": "Windows-1253 (Greek)",
    "cp1254": "Windows-1254 (Turkish)",
    "cp1255": "Windows-1255 (Hebrew)",
    "cp1256": "Windows-1256 (Arabic)",
}
# The encodings an editor may choose instead of detection, as (codec, label).
ENCODING_CHOICES = [
    (codec, ENCODING_NAMES[codec])
    for codec in ("utf_8", "cp1252", "latin_1", "gb18030", "big5", "cp932", "euc_kr", "cp1251", "cp1250")
]


class ParseError(ValueError):
    """A file that cannot be read in the format asked for; ``str()`` of it says what and where."""


class UnknownFormat(ParseError):
    """Neither the file's name nor its content says which format it is in."""


@dataclass(frozen=True)
class FieldWarning:
    """A value a reader left out or changed: record number (from 1) and label, field, value, why."""

    record: int
    label: str
    field: str
    value: str
    why: str

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 80 else self.value[:79] + "…"
        return f"Record {self.record} ({self.label}), {self.field}: “{value}” {self.why}"


class ParsedRecords(list):
    """The records a reader found (a list of ``Record``), with what else it has to say.

    ``notes``: remarks on the whole file ("read as Windows-1252"); ``unused``: columns, tags or
    fields the file has that Cramps does not import; ``encoding``: how the bytes were decoded.
    """

    def __init__(self, records=(), *, format: str = "", encoding: str = "", notes=(), unused=()):
        super().__init__(records)
        self.format = format
        self.encoding = encoding
        self.notes: list[str] = list(notes)
        self.unused: list[str] = list(unused)

    def warnings(self) -> list[FieldWarning]:
        return [
            FieldWarning(number, record.label(), problem.field, problem.value, problem.why)
            for number, record in enumerate(self, 1)
            for problem in getattr(record, "problems", ())
        ]


# Decoding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # a codec name (``cp1252``), see ENCODING_NAMES
    guessed: bool  # True when no byte-order mark or UTF-8 decided it

    @property
    def name(self) -> str:
        return ENCODING_NAMES.get(self.encoding, self.encoding.upper().replace("_", "-"))

    @property
    def description(self) -> str:
        return f"{self.name} (guessed)" if self.guessed else self.name


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """Text of an uploaded file, with ``\\n`` line endings, and how it was decoded.

    ``encoding`` (a codec name) is used as given. Otherwise a byte-order mark decides (UTF-8,
    UTF-16 LE/BE), then UTF-8 if the bytes are valid UTF-8. Failing both, the encoding is
    guessed: text whose non-ASCII bytes stand alone between ASCII letters ("Müller") is
    Windows-1252, what EndNote and Excel on Windows write (and which, unlike Latin-1, turns bytes
    0x80-0x9F into the curly quotes and dashes they stand for); text with runs of them (Chinese,
    Japanese, Cyrillic…) is what charset-normalizer finds most likely.
    """
    if encoding:
        text, guessed = data.decode(encoding, errors="replace"), False
    elif data.startswith(codecs.BOM_UTF8):
        text, encoding, guessed = (
            data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"),
            "utf_8",
            False,
        )
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding, guessed = data.decode("utf-16", errors="replace"), "utf_16", False
    else:
        try:
            text, encoding, guessed = data.decode("utf-8"), "utf_8", False
        except UnicodeDecodeError:
            encoding, guessed = _guess_encoding(data), True
            text = data.decode(encoding, errors="replace")
    return Decoded(text.replace("\r\n", "\n").replace("\r", "\n"), encoding, guessed)


def _guess_encoding(data: bytes) -> str:
    runs = re.findall(rb"[\x80-\xff]+", data[:200_000])
    if sum(len(run) == 1 for run in runs) * 2 >= len(runs):
        return "cp1252" if _decodes(data, "cp1252") else "latin_1"
    best = from_bytes(data[:200_000]).best()
    if best is None or not _decodes(data, best.encoding):
        return "cp1252" if _decodes(data, "cp1252") else "latin_1"
    return best.encoding


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def decode_text(data: bytes) -> str:
    return decode(data).text


def read_text(data: bytes | str, encoding: str | None = None) -> str:
    """``decode`` for bytes (a str only loses its BOM and CRs), refusing empty or binary files."""
    return read_decoded(data, encoding).text


def read_decoded(data: bytes | str, encoding: str | None = None) -> Decoded:
    if isinstance(data, str):
        decoded = Decoded(
            data.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), "utf_8", False
        )
    else:
        # UTF-16 without a BOM decodes "fine" as UTF-8, with a NUL byte before or after every letter.
        if not encoding and any(half.count(0) > len(half) // 3 for half in (data[:200:2], data[1:200:2])):
            if b"\x00" in data[:200] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise ParseError(
                    "This file looks like UTF-16 text without a byte-order mark. "
                    "Save it again as UTF-8 (or UTF-16 with a BOM) and upload it again."
                )
        decoded = decode(data, encoding)
    text = decoded.text
    if "\x00" in text or len(re.findall(r"[\x01-\x08\x0e-\x1f]", text[:10000])) > 2:
        raise ParseError("This is a binary file (a PDF, a Word document, an image…), not a citation file.")
    if not text.strip():
        raise ParseError("The file is empty.")
    return decoded


# JSON --------------------------------------------------------------------------------------

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def load_json(text: str, what: str) -> object:
    """``json.loads``, refusing nesting deeper than ``MAX_JSON_DEPTH`` before parsing.

    A citation file needs five levels at most; a deeply nested one would otherwise end in a
    RecursionError inside the parser. ``what`` names the format in messages.
    """
    depth = deepest = 0
    for char in re.findall(r"[][{}]", _JSON_STRING.sub("", text)):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_JSON_DEPTH:
                raise ParseError(
                    f"{what}: the data is nested more than {MAX_JSON_DEPTH} levels deep; "
                    "a list of references needs no more than a few."
                )
        elif char in "]}":
            depth -= 1
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ParseError(
            f"{what}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}."
        ) from None
    except RecursionError:
        raise ParseError(f"{what}: the data is nested too deeply to read.") from None


# Tagged line formats (RIS, Web of Science) -----------------------------------------------


def check_tagged_records(
    lines: list[str], tag_of, *, start: str, end: str, format_name: str, outside: tuple[str, ...] = ()
) -> tuple[int, list[str]]:
    """Check that every record opens with ``start`` and closes with ``end``; returns the number of
    records and notes on lines found outside any record.

    ``tag_of(line)`` gives a line's tag or None for untagged lines; tags in ``outside`` (file
    headers) may appear between records, and so may other tagged lines (Ovid adds an ``NL``
    line after each record): those are ignored with a note. A record with no start (tagged
    lines ending in an ``end`` line outside a record), a record that starts inside another, or
    one with no end (a truncated file) raises ``ParseError``: the libraries that read these
    formats would silently drop such records.
    """
    opened_on = None
    stray: list[tuple[int, str]] = []
    notes: list[str] = []
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
            notes += [
                f"Line {at}: the {name} line is outside any record; it was ignored." for at, name in stray
            ]
            stray = []
            opened_on = number
            count += 1
        elif opened_on is None:
            if tag == end:
                at, name = stray[0] if stray else (number, tag)
                raise ParseError(
                    f"{format_name}, line {at}: the {name} line is outside any record; "
                    f"every record must start with a {start} line (record type)."
                )
            stray.append((number, tag))
        elif tag == end:
            opened_on = None
    if opened_on is not None:
        raise ParseError(
            f"{format_name}: record {count} (line {opened_on}) has no {end} line; the file looks truncated."
        )
    if not count:
        raise ParseError(f"No {format_name} records found: there is no line starting with {start}.")
    notes += [f"Line {at}: the {name} line is outside any record; it was ignored." for at, name in stray]
    return count, notes
