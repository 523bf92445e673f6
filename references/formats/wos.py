"""Web of Science "plain text" exports (``FN``/``VR`` header, ``PT`` … ``ER`` records), read with rispy.

Not RIS, though people save them as ``.ris``: two-letter tags followed by one space, and
continuation lines indented by three. ``ris.parse`` sends such files here.
"""

import re

import rispy

from ..record import build_record, name_from_text
from ..text import join_pages
from .common import ParsedRecords, check_tagged_records, read_text

_TAGS = (
    "PT AU AF BA BF CA GP BE TI SO SE LA DT AB C1 PU PI SN EI BN J9 JI PD PY VL IS BP EP AR DI PM UT ER"
).split()
# Tags are kept as keys (rather than rispy's long names); untagged lines of the list tags are
# further items, of the others a continued value.
_MAPPING = {tag: tag for tag in (*_TAGS, "UK")}
_LIST_TAGS = ["AU", "AF", "BA", "BF", "CA", "GP", "BE", "C1"]
_READ_TAGS = "PT DT AU AF CA BE TI SO SE JI J9 PY PD VL IS BP EP AR PU PI DI PM BN AB ER".split()
_TAG = re.compile(r"([A-Z][A-Z0-9])(?: |$)")


def is_wos(text: str) -> bool:
    """Whether ``text`` starts like a Web of Science export (``FN …`` or ``PT J``)."""
    first_line = text.lstrip().split("\n", 1)[0]
    return bool(re.match(r"FN |PT [A-Z]\s*$", first_line))


def parse(data: bytes | str) -> ParsedRecords:
    text = read_text(data)
    lines = text.split("\n")
    _, stray = check_tagged_records(
        lines, _tag_of, start="PT", end="ER", format_name="Web of Science export", outside=("FN", "VR", "EF")
    )
    entries = rispy.WokParser(mapping=_MAPPING, list_tags=_LIST_TAGS, skip_unknown_tags=True).parse_lines(
        iter(lines)
    )
    tags = {tag for line in lines if (tag := _tag_of(line))}
    unused = sorted(tags - set(_READ_TAGS) - {"FN", "VR", "EF"})
    return ParsedRecords([_record(entry) for entry in entries], format="wos", notes=stray, unused=unused)


def _tag_of(line: str) -> str | None:
    match = _TAG.match(line)
    return match.group(1) if match else None


def _record(entry: dict) -> dict:
    def first(*tags: str) -> str:
        return next((value for tag in tags if (value := entry.get(tag))), "")

    document_type = first("DT").lower()
    if first("PT") == "C" or "proceedings" in document_type:
        csl_type = "paper-conference"
    elif first("PT") == "B":
        csl_type = "chapter" if "chapter" in document_type else "book"
    elif first("PT") in ("J", "S"):
        csl_type = "article-journal"
    else:
        csl_type = "document"
    return build_record(
        type=csl_type,
        # AF has full names ("Parkes-Loach, Pamela S"); AU only initials.
        authors=[name_from_text(name) for name in entry.get("AF") or entry.get("AU") or []]
        + [{"literal": name} for name in entry.get("CA") or []],
        editors=[name_from_text(name) for name in entry.get("BE") or []],
        title=first("TI"),
        container_title=first("SO", "SE"),
        container_title_short=first("JI", "J9"),
        issued_year=first("PY", "PD"),
        volume=first("VL"),
        issue=first("IS"),
        pages=join_pages(first("BP"), first("EP")) or first("AR"),
        publisher=first("PU"),
        publisher_place=first("PI"),
        doi=first("DI"),
        pmid=first("PM"),
        isbn=first("BN"),
        abstract=first("AB"),
    )
