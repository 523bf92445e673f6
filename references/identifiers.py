"""Normalising and validating the identifiers a reference can carry (DOI, PMID, PMCID).

Pure functions: import code, the model's ``clean()`` and ``check_citations`` all share them,
so "what counts as the same DOI" is decided in exactly one place.
"""

import re
import urllib.parse

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/[^\s\x00-\x1f\x7f]+$")
# A resolver or publisher address with the DOI in its path: doi.org, dx.doi.org, doi.acm.org,
# onlinelibrary.wiley.com/doi/…; "doi:" and "DOI " prefixes too.
_DOI_PREFIXES = re.compile(r"^(?:https?://[^/\s]+/(?:[^\s]*?/)??(?=10\.)|doi:\s*|doi\s+)", re.IGNORECASE)
PMID_PATTERN = re.compile(r"^[1-9]\d{0,8}$")
_PMID_PREFIX = re.compile(r"^(?:pmid:?\s*)", re.IGNORECASE)
_PMID_SUFFIX = re.compile(r"\s*\[pmid\]$", re.IGNORECASE)
_NOT_A_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
PMCID_PATTERN = re.compile(r"^PMC\d+$")


def normalize_doi(value: str) -> str:
    """Strip resolver prefixes and whitespace and lower-case: DOIs are case-insensitive.

    An address such as ``http://doi.acm.org/10.1145/…`` or ``https://doi.org/10.1000%2Fx``
    gives the DOI in its path, unquoted.
    """
    value = (value or "").strip()
    if not value or value[:3] == "10.":
        return value.lower()
    stripped = _DOI_PREFIXES.sub("", value, count=1).strip()
    if stripped != value and value.lower().startswith(("http://", "https://")):
        stripped = urllib.parse.unquote(stripped)
    return stripped.lower()


def is_valid_doi(value: str) -> bool:
    """``10.<registrant>/<suffix>``, with no ``.``/``..`` path segment (a DOI goes into look-up URLs)."""
    return bool(DOI_PATTERN.match(value)) and not any(
        segment in (".", "..") for segment in value.split("/")[1:]
    )


def valid_doi(value: str) -> str:
    """The normalised DOI in ``value``, or "" when it is not a DOI."""
    doi = normalize_doi(value)
    return doi if is_valid_doi(doi) else ""


def normalize_pmid(value: str | int | None) -> str:
    text = str(value or "").strip()
    if not text or text.isdigit():
        return text
    return _PMID_SUFFIX.sub("", _PMID_PREFIX.sub("", text))


def is_valid_pmid(value: str) -> bool:
    return bool(PMID_PATTERN.match(value))


def normalize_pmcid(value: str | None) -> str:
    text = (value or "").strip().upper().replace(" ", "")
    text = text.removesuffix("[PMCID]")
    if text and text.isdigit():
        text = "PMC" + text
    return text


def is_valid_pmcid(value: str) -> bool:
    return bool(PMCID_PATTERN.match(value))


def find_pmid(text: str) -> str:
    """The PMID in a note or custom field: ``PMID: 25992719`` (Zotero's "Extra"), ``23690738[pmid]``
    (PubMed Central's RIS), or ""."""
    match = re.search(r"\bPMID:?\s*(\d{1,9})\b|\b(\d{1,9})\s*\[pmid\]", text or "", re.IGNORECASE)
    return (match.group(1) or match.group(2)) if match else ""


def find_pmcid(text: str) -> str:
    match = re.search(r"\bPMC\d+\b", text or "", re.IGNORECASE)
    return match.group().upper() if match else ""


def normalize_title(value: str) -> str:
    """Title reduced to lower-case letters and digits, for duplicate matching."""
    return _NOT_A_LETTER_OR_DIGIT.sub("", (value or "").casefold())
