"""Bibliographic records for pasted PMIDs and DOIs, from NCBI E-utilities and Crossref, and
PMIDs for references that have none (``find_pmid``: an ESearch by title, first author and year).

This module is the HTTP client; reading the answers is ``formats.pubmed_xml`` and
``formats.crossref``.

No Django here: the caller passes the base URLs (from settings, or a local test server) and
decides what to do with the records, which are dicts keyed by ``Reference`` field names.
Every failure is an ``IdentifierLookupError`` whose message is written for the editor.
"""

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.client import HTTPException

from . import identifiers
from .formats.common import ParseError
from .formats.crossref import record_from_crossref
from .formats.pubmed_xml import records_from_pubmed_xml
from .matching import find_matches

PUBMED_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
CROSSREF_URL = "https://api.crossref.org"
USER_AGENT = "Cramps/0.1 (reference look-up)"
MAX_IDENTIFIERS = 50
# NCBI asks for POST above about 200 ids; a paste never needs that many in one call.
EFETCH_BATCH_SIZE = 200
MAX_RESPONSE_BYTES = 20 * 1024 * 1024

_PUBMED_URL_PATTERN = re.compile(
    r"^https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/(\d+)/?$", re.IGNORECASE
)


class IdentifierLookupError(Exception):
    """A look-up that failed; ``str()`` of it is a message to show the editor as it is."""


def split_identifiers(text: str) -> list[tuple[str, str]]:
    """("pmid" | "doi", normalised value) for each identifier in ``text``, first occurrence only.

    Identifiers are separated by whitespace, commas or new lines; "PMID: 123", "doi:10.…",
    https://doi.org/… and PubMed page addresses are understood.
    """
    text = re.sub(r"\b(pmid|doi)(?:\s*:\s*|\s+)(?=\S)", r"\1:", text or "", flags=re.IGNORECASE)
    found: list[tuple[str, str]] = []
    invalid: list[str] = []
    for token in re.split(r"[\s,]+", text):
        if not token:
            continue
        identifier = _classify(token)
        if identifier is None:
            invalid.append(token)
        elif identifier not in found:
            found.append(identifier)
    if invalid:
        quoted = ", ".join(f"“{token}”" for token in invalid)
        verb = "is neither a PMID nor a DOI" if len(invalid) == 1 else "are neither PMIDs nor DOIs"
        raise IdentifierLookupError(f"{quoted} {verb}.")
    if len(found) > MAX_IDENTIFIERS:
        raise IdentifierLookupError(f"Look up at most {MAX_IDENTIFIERS} identifiers at a time.")
    return found


def _classify(token: str) -> tuple[str, str] | None:
    if match := _PUBMED_URL_PATTERN.match(token):
        token = match.group(1)
    pmid = identifiers.normalize_pmid(token)
    if identifiers.is_valid_pmid(pmid):
        return ("pmid", pmid)
    doi = identifiers.normalize_doi(token)
    if identifiers.is_valid_doi(doi):
        return ("doi", doi)
    return None


def lookup_identifiers(
    text: str, *, pubmed_url: str = PUBMED_URL, crossref_url: str = CROSSREF_URL, timeout: float = 10
) -> list[dict]:
    """One record per PMID or DOI pasted in ``text``, in the order they were pasted.

    All PMIDs go to PubMed in one request, each DOI to Crossref in its own. Nothing is
    fetched unless every token is a PMID or a DOI; any failure raises, naming the culprit.
    """
    wanted = split_identifiers(text)
    pmids = [value for kind, value in wanted if kind == "pmid"]
    records = fetch_pubmed(pmids, base_url=pubmed_url, timeout=timeout)
    found = {("pmid", pmid): record for pmid, record in zip(pmids, records, strict=True)}
    for kind, value in wanted:
        if kind == "doi":
            found[(kind, value)] = fetch_crossref(value, base_url=crossref_url, timeout=timeout)
    return [found[identifier] for identifier in wanted]


def fetch_pubmed(pmids: list[str], *, base_url: str = PUBMED_URL, timeout: float = 10) -> list[dict]:
    """Records for ``pmids`` from PubMed's EFetch, in the order asked; raises if any is unknown."""
    pmids = list(dict.fromkeys(identifiers.normalize_pmid(pmid) for pmid in pmids))
    for pmid in pmids:
        if not identifiers.is_valid_pmid(pmid):
            raise IdentifierLookupError(f"“{pmid}” is not a PMID: it should be digits only.")
    records: dict[str, dict] = {}
    for start in range(0, len(pmids), EFETCH_BATCH_SIZE):
        batch = pmids[start : start + EFETCH_BATCH_SIZE]
        url = f"{base_url.rstrip('/')}/efetch.fcgi?db=pubmed&id={','.join(batch)}&retmode=xml"
        body = _get(url, service="PubMed", accept="application/xml", timeout=timeout)
        try:
            records.update((record["pmid"], record) for record in records_from_pubmed_xml(body))
        except ParseError:
            raise IdentifierLookupError(_unreadable("PubMed")) from None
    missing = [pmid for pmid in pmids if pmid not in records]
    if len(missing) == 1:
        raise IdentifierLookupError(f"PubMed has no record with PMID {missing[0]}.")
    if missing:
        raise IdentifierLookupError(f"PubMed has no records with PMIDs {', '.join(missing)}.")
    return [records[pmid] for pmid in pmids]


_WORD = re.compile(r"[^\W_]+")
# Words PubMed ignores in a search (part of its stopword list); leaving them out keeps terms short.
_STOPWORDS = {"a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "is", "of", "on", "or", "the", "to",
              "with"}  # fmt: skip


def pubmed_term(*, title: str, author: str = "", year: int | None = None) -> str:
    """An ESearch term for a work: each word of its title in [Title], the first author's family
    name in [Author], the year in [Date - Publication]."""
    words = [word for word in _WORD.findall(title or "") if word.casefold() not in _STOPWORDS and
             (len(word) > 1 or word.isdigit())]  # fmt: skip
    term = " AND ".join(f"{word}[ti]" for word in words)
    if term and author:
        term += f" AND {' '.join(_WORD.findall(author))}[au]"
    if term and year:
        term += f" AND {year}[dp]"
    return term


def search_pubmed(term: str, *, base_url: str = PUBMED_URL, timeout: float = 10, api_key: str = "",
                  retmax: int = 5) -> list[str]:  # fmt: skip
    """The PMIDs PubMed's ESearch finds for ``term`` (at most ``retmax``), best first."""
    query = {"db": "pubmed", "term": term, "retmode": "json", "retmax": str(retmax)}
    if api_key:
        query["api_key"] = api_key
    body = _get(f"{base_url.rstrip('/')}/esearch.fcgi?{urllib.parse.urlencode(query)}", service="PubMed",
                accept="application/json", timeout=timeout)  # fmt: skip
    try:
        answer = json.loads(body)
        found = answer["esearchresult"]["idlist"]
    except (ValueError, KeyError, TypeError):
        raise IdentifierLookupError(_unreadable("PubMed")) from None
    pmids = [identifiers.normalize_pmid(pmid) for pmid in found if isinstance(pmid, str)]
    return [pmid for pmid in pmids if identifiers.is_valid_pmid(pmid)]


@dataclass
class PmidSearch:
    """What a search for one reference's PMID found: ``record`` is PubMed's record for the same
    work (by ``matching.find_matches``), or None; ``others`` are the records found that are not."""

    record: dict | None
    others: list[dict] = field(default_factory=list)


def find_pmid(
    record: dict, *, base_url: str = PUBMED_URL, timeout: float = 10, api_key: str = ""
) -> PmidSearch:
    """Search PubMed for the work ``record`` describes, by title, first author and year, and fetch
    what it finds; the one that is the same work by the duplicate rule is the answer."""
    authors = record.get("authors") or []
    author = (authors[0].get("family") or authors[0].get("literal") or "") if authors else ""
    term = pubmed_term(title=record.get("title") or "", author=author, year=record.get("issued_year"))
    if not term:
        return PmidSearch(None)
    pmids = search_pubmed(term, base_url=base_url, timeout=timeout, api_key=api_key)
    found = fetch_pubmed(pmids, base_url=base_url, timeout=timeout) if pmids else []
    matches = find_matches([record], [(index, candidate) for index, candidate in enumerate(found)])
    match = matches[0]
    if match is None or match.stored is None:
        return PmidSearch(None, found)
    return PmidSearch(
        found[match.stored], [candidate for index, candidate in enumerate(found) if index != match.stored]
    )


def fetch_crossref(doi: str, *, base_url: str = CROSSREF_URL, timeout: float = 10) -> dict:
    """The record Crossref holds for ``doi``."""
    doi = identifiers.normalize_doi(doi)
    if not identifiers.is_valid_doi(doi):
        raise IdentifierLookupError(f"“{doi}” is not a DOI: it should look like 10.1234/abc.")
    body = _get(
        f"{base_url.rstrip('/')}/works/{urllib.parse.quote(doi)}",
        service="Crossref",
        accept="application/json",
        timeout=timeout,
        not_found=f"Crossref has no record with DOI {doi}.",
    )
    try:
        answer = json.loads(body)
    except ValueError:
        raise IdentifierLookupError(_unreadable("Crossref")) from None
    return record_from_crossref(_crossref_work(answer))


def _crossref_work(answer: object) -> dict:
    """The work inside Crossref's {"status", "message-type", "message"} envelope, or a bare one."""
    if isinstance(answer, dict) and "message" in answer:
        if answer.get("status", "ok") != "ok" or answer.get("message-type", "work") != "work":
            raise IdentifierLookupError(_unreadable("Crossref"))
        answer = answer["message"]
    if not isinstance(answer, dict) or not isinstance(answer.get("DOI"), str):
        raise IdentifierLookupError(_unreadable("Crossref"))
    return answer


# Parsing PubMed


class _RedirectRefused(Exception):
    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


class _SameSiteRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the site asked; elsewhere could be anybody's server."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        old, new = urllib.parse.urlsplit(req.full_url), urllib.parse.urlsplit(newurl)
        if (old.scheme, old.netloc) != (new.scheme, new.netloc):
            fp.close()
            raise _RedirectRefused(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_opener = urllib.request.build_opener(_SameSiteRedirects)


def _get(url: str, *, service: str, accept: str, timeout: float, not_found: str = "") -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": accept})
    try:
        with _opener.open(request, timeout=timeout) as response:
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except _RedirectRefused as refused:
        host = urllib.parse.urlsplit(refused.url).netloc or refused.url
        raise IdentifierLookupError(
            f"{service} tried to send the look-up on to another site ({host}); Cramps did not follow."
        ) from None
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 404 and not_found:
            raise IdentifierLookupError(not_found) from None
        raise IdentifierLookupError(
            f"{service} answered with an error (HTTP {error.code} {error.reason}); try again later."
        ) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise IdentifierLookupError(_too_slow(service, timeout)) from None
        raise IdentifierLookupError(f"Could not reach {service}: {_reason(error.reason)}.") from None
    except TimeoutError:
        raise IdentifierLookupError(_too_slow(service, timeout)) from None
    except (OSError, HTTPException) as error:
        raise IdentifierLookupError(f"Could not reach {service}: {_reason(error)}.") from None
    if len(body) > MAX_RESPONSE_BYTES:
        raise IdentifierLookupError(f"{service} sent a far larger answer than a record needs.")
    return body


def _too_slow(service: str, timeout: float) -> str:
    return f"{service} did not answer within {timeout:g} s; try again later."


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def _unreadable(service: str) -> str:
    return f"{service} sent an answer Cramps could not read; try again later."
