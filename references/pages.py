"""Page ranges as a CSL processor prints them, with pandoc's citeproc (0.6) as the reference.

``format_pages("1305-12", "minimal")`` is ``"1305–12"``; ``format_pages("S42-5", "expanded",
"-")`` is ``"S42-5"``. A page field is split at ``,`` and ``&``; each part that is a range of
two ends (``-`` or ``–`` between) is reformatted, anything else is kept as written:

- with no range format, only the delimiter changes (``33-35`` → ``33–35``);
- when both ends have the same prefix before their digits (none in ``1305-12``, ``S`` in
  ``S42-S45``), an abbreviated end is completed from the start (``1305-12`` is 1305 to 1312)
  and the range written in the style's format: ``expanded``
  (``1305-1312``), ``minimal`` (``1305–12``), ``minimal-two`` (``1305–12``, ``42–45``) or
  ``chicago`` (the Chicago Manual's table);
- ends with different prefixes (``S42-5``, ``e123-9``, ``CR326-30``, ``643S-9S``) only get
  the delimiter.

Pandoc's quirks are kept on purpose (``R1-R10`` → ``R1–0``; ``33-`` → ``33–3``): the point is
to print what ``pandoc --citeproc`` prints for the same record.
"""

import re

from .text import normalize_pages

EN_DASH = "\u2013"
RANGE_FORMATS = ("expanded", "minimal", "minimal-two", "chicago", "chicago-15", "chicago-16")

_SEPARATORS = re.compile(r"([,&])")
_TRAILING_DIGITS = re.compile(r"[0-9]*$")


def format_pages(pages: str, range_format: str | None = None, delimiter: str = EN_DASH) -> str:
    """``pages`` with each range written in ``range_format`` (a CSL page-range-format) and ``delimiter``."""
    parts = [part.strip() for part in _SEPARATORS.split(pages)]
    shown = [_format_part(part, range_format, delimiter) for part in parts if part]
    return " ".join(shown).replace(" ,", ",")


def _format_part(part: str, range_format: str | None, delimiter: str) -> str:
    if part in (",", "&"):
        return part
    if "\\-" in part:
        return part.replace("\\-", "-")
    ends = [end.strip() for end in re.split(f"[-{EN_DASH}]", part)]
    if len(ends) != 2:
        return part
    first, last = ends
    if range_format not in RANGE_FORMATS:
        return f"{first}{delimiter}{last}"
    prefix = _TRAILING_DIGITS.sub("", first)
    if prefix != _TRAILING_DIGITS.sub("", last):
        return f"{first}{delimiter}{last}"
    start, end = first[len(prefix) :], last[len(prefix) :]
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    if range_format == "expanded":
        return f"{prefix}{start}{delimiter}{prefix}{end}"
    if range_format == "minimal":
        return prefix + _minimal(start, end, 1, delimiter)
    if range_format == "minimal-two":
        return prefix + _minimal(start, end, 2, delimiter)
    return prefix + _chicago(start, end, delimiter)


def _minimal(start: str, end: str, keep: int, delimiter: str) -> str:
    """``end`` without the digits it shares with ``start``, keeping at least ``keep`` of them."""
    common = 0
    while common < min(len(start), len(end)) and start[common] == end[common]:
        common += 1
    if common == 0:
        return f"{start}{delimiter}{end}"
    rest = end[common:]
    if len(rest) < keep and len(end) >= keep:
        rest = end[-keep:]
    return f"{start}{delimiter}{rest}"


def _chicago(start: str, end: str, delimiter: str) -> str:
    if len(start) < 3 or start.endswith("00"):
        return f"{start}{delimiter}{end}"
    if start[-2:-1] == "0":
        return _minimal(start, end, 1, delimiter)
    changed = sum(a != b for a, b in zip(start.ljust(len(end)), end, strict=False))
    if len(start) == 4 and changed >= 3:
        return f"{start}{delimiter}{end}"
    return _minimal(start, end, 2, delimiter)


_PAGE = re.compile(r"^(\D*?)(\d+)(\D*)$")


def same_pages(first: str, second: str) -> bool:
    """Whether two page fields name the same pages, however written: ``CR326–30``, ``CR326-CR330``
    and ``CR326--330`` are one range, as are ``1305-12`` and ``1305–1312``."""
    return _page_parts(first) == _page_parts(second)


def _page_parts(pages: str) -> list[tuple[str, ...]]:
    parts = [
        part.strip()
        for part in _SEPARATORS.split(normalize_pages(pages))
        if part.strip() not in ("", ",", "&")
    ]
    return [_expanded(part) for part in parts]


def _expanded(part: str) -> tuple[str, ...]:
    """A range as its two ends written in full (``S42-5`` → ``S42``, ``S45``); other parts as they are."""
    ends = [end.strip() for end in part.split("-")]
    if len(ends) != 2 or not all(_PAGE.match(end) for end in ends):
        return (part.casefold(),)
    (prefix, start, suffix), (end_prefix, end, end_suffix) = (_PAGE.match(end).groups() for end in ends)
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return (
        (prefix + start + suffix).casefold(),
        ((end_prefix or prefix) + end + (end_suffix or suffix)).casefold(),
    )
