"""When a file's value is only another way of writing the value stored: a cosmetic variant.

An import never proposes to overwrite a curated field with one (``importing._changes``): the
editor's "CR326–30" stays against a file's "CR326-CR330", "Vitamin B12" against "vitamin B12.",
and "Garrison, Scott R" against "Garrison SR". A file that says more (full given names where
initials are stored, another page, another title) still updates.
"""

import re

from .identifiers import normalize_title
from .pages import same_pages

# Fields compared by their letters and digits only (case, punctuation, dashes and spacing aside).
_TEXT_FIELDS = {"title", "container_title", "container_title_short", "publisher", "publisher_place", "edition",
                "volume", "issue", "isbn", "abstract", "note"}  # fmt: skip
_NAME_PARTS = re.compile(r"[\s.\-]+")


def is_cosmetic_variant(field: str, stored: object, new: object) -> bool:
    """Whether ``new`` writes the same ``field`` value as ``stored``, with nothing more in it."""
    if stored in ("", None, []):
        return False
    if field == "pages":
        return same_pages(str(stored), str(new))
    if field in _TEXT_FIELDS:
        return normalize_title(str(stored)) == normalize_title(str(new))
    if field == "url":
        return _plain_url(str(stored)) == _plain_url(str(new))
    if field in ("authors", "editors"):
        return len(stored) == len(new) and all(map(_same_name, stored, new))
    return False


def _plain_url(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url.strip(), flags=re.IGNORECASE).rstrip("/").casefold()


def _same_name(stored: dict, new: dict) -> bool:
    """Same person, written with no more detail: same family name and initials, given names no longer."""
    if stored.get("literal") and not new.get("literal"):
        # RIS cannot mark an organisation: "Institute of Medicine, Food and Nutrition Board" comes
        # back as family "Institute of Medicine", given "Food and Nutrition Board".
        as_text = ", ".join(part for part in (new.get("family", ""), new.get("given", "")) if part)
        return normalize_title(stored["literal"]) == normalize_title(as_text)
    if stored.get("literal") or new.get("literal"):
        return normalize_title(stored.get("literal", "")) == normalize_title(new.get("literal", ""))
    stored_given, new_given = stored.get("given", ""), new.get("given", "")
    return (
        normalize_title(stored.get("family", "")) == normalize_title(new.get("family", ""))
        and _initials(stored_given) == _initials(new_given)
        and len(normalize_title(new_given)) <= len(normalize_title(stored_given))
        and normalize_title(stored.get("suffix", "")) == normalize_title(new.get("suffix", ""))
    )


def _initials(given: str) -> str:
    """``"Scott R"``, ``"S. R."`` and MEDLINE's ``"SR"`` all give ``"SR"``."""
    words = [word for word in _NAME_PARTS.split(given or "") if word]
    return "".join(word if word.isupper() and len(word) <= 4 else word[0] for word in words).upper()
