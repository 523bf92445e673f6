"""Normalising and validating the identifiers a reference can carry (DOI, PMID, PMCID).

Pure functions: import code, the model's ``clean()`` and ``check_citations`` all share them,
so "what counts as the same DOI" is decided in exactly one place.
"""

import re

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
PMID_PATTERN = re.compile(r"^[1-9]\d{0,8}$")
PMCID_PATTERN = re.compile(r"^PMC\d+$")


def normalize_doi(value: str) -> str:
    """Strip resolver prefixes and whitespace and lower-case: DOIs are case-insensitive."""
    value = (value or "").strip()
    value = _DOI_PREFIXES.sub("", value).strip()
    return value.lower()


def is_valid_doi(value: str) -> bool:
    return bool(DOI_PATTERN.match(value))


def valid_doi(value: str) -> str:
    """The normalised DOI in ``value``, or "" when it is not a DOI."""
    doi = normalize_doi(value)
    return doi if is_valid_doi(doi) else ""


def normalize_pmid(value: str | int | None) -> str:
    text = str(value or "").strip()
    text = re.sub(r"^(?:pmid:?\s*)", "", text, flags=re.IGNORECASE)
    return text


def is_valid_pmid(value: str) -> bool:
    return bool(PMID_PATTERN.match(value))


def normalize_pmcid(value: str | None) -> str:
    text = (value or "").strip().upper().replace(" ", "")
    if text and text.isdigit():
        text = "PMC" + text
    return text


def is_valid_pmcid(value: str) -> bool:
    return bool(PMCID_PATTERN.match(value))


def normalize_title(value: str) -> str:
    """Title reduced to lower-case letters and digits, for duplicate matching."""
    return re.sub(r"[\W_]+", "", (value or "").casefold())
