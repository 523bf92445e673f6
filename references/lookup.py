"""Bibliographic records for pasted PMIDs and DOIs, from NCBI E-utilities and Crossref.

No Django here: the caller passes the base URLs (from settings, or a local test server) and
decides what to do with the records, which are dicts keyed by ``Reference`` field names.
Every failure is an ``IdentifierLookupError`` whose message is written for the editor.
"""

import html
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from http.client import HTTPException

from lxml import etree

from . import identifiers
from .formats.records import empty_record

PUBMED_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils"
CROSSREF_URL = "https://api.crossref.org"
USER_AGENT = "Cramps/0.1 (reference look-up)"
MAX_IDENTIFIERS = 50
# NCBI asks for POST above about 200 ids; a paste never needs that many in one call.
EFETCH_BATCH_SIZE = 200
MAX_RESPONSE_BYTES = 20 * 1024 * 1024

CROSSREF_TYPES = {
    "journal-article": "article-journal",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-chapter": "chapter",
    "book-section": "chapter",
    "book-part": "chapter",
    "proceedings-article": "paper-conference",
    "report": "report",
    "dissertation": "thesis",
    "posted-content": "article",
    "dataset": "dataset",
}

_PUBMED_URL_PATTERN = re.compile(
    r"^https?://(?:www\.)?(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/(\d+)/?$", re.IGNORECASE
)
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_MATHML = "http://www.w3.org/1998/Math/MathML"


class IdentifierLookupError(Exception):
    """A look-up that failed; ``str()`` of it is a message to show the editor as it is."""


def blank_record() -> dict:
    """A record with every ``Reference`` field empty; look-ups describe journal articles unless told."""
    return {**empty_record(), "type": "article-journal"}


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
        records.update((record["pmid"], record) for record in records_from_pubmed_xml(body))
    missing = [pmid for pmid in pmids if pmid not in records]
    if len(missing) == 1:
        raise IdentifierLookupError(f"PubMed has no record with PMID {missing[0]}.")
    if missing:
        raise IdentifierLookupError(f"PubMed has no records with PMIDs {', '.join(missing)}.")
    return [records[pmid] for pmid in pmids]


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


def records_from_pubmed_xml(data: bytes) -> list[dict]:
    """Records for the articles and book chapters in an EFetch PubmedArticleSet."""
    try:
        root = etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError:
        raise IdentifierLookupError(_unreadable("PubMed")) from None
    if root.tag != "PubmedArticleSet":
        raise IdentifierLookupError(_unreadable("PubMed"))
    records = []
    for element in root:
        if element.tag == "PubmedArticle":
            records.append(_pubmed_article(element))
        elif element.tag == "PubmedBookArticle":
            records.append(_pubmed_book_article(element))
    return records


def _pubmed_article(element: etree._Element) -> dict:
    citation = element.find("MedlineCitation")
    article = citation.find("Article") if citation is not None else None
    if article is None:
        raise IdentifierLookupError(_unreadable("PubMed"))
    # The article's own ids: PubmedData/ReferenceList holds the ids of the works it cites.
    own_ids = element.find("PubmedData/ArticleIdList")
    journal_issue = article.find("Journal/JournalIssue")
    record = blank_record()
    record.update(
        type="article-journal",
        authors=_pubmed_names(article.find("AuthorList")),
        title=_text(article.find("ArticleTitle")),
        container_title=_text(article.find("Journal/Title")),
        container_title_short=_text(article.find("Journal/ISOAbbreviation"))
        or _text(citation.find("MedlineJournalInfo/MedlineTA")),
        issued_year=_pubmed_year(journal_issue.find("PubDate") if journal_issue is not None else None)
        or _pubmed_year(article.find("ArticleDate")),
        volume=_text(article.find("Journal/JournalIssue/Volume")),
        issue=_text(article.find("Journal/JournalIssue/Issue")),
        pages=_pubmed_pages(article.find("Pagination")),
        doi=_valid_doi(_article_id(own_ids, "doi") or _text(article.find("ELocationID[@EIdType='doi']"))),
        pmid=identifiers.normalize_pmid(_text(citation.find("PMID"))),
        pmcid=identifiers.normalize_pmcid(_article_id(own_ids, "pmc")),
        abstract=_pubmed_abstract(article.find("Abstract")),
    )
    return record


def _pubmed_book_article(element: etree._Element) -> dict:
    """A book or chapter on NCBI Bookshelf (GeneReviews, StatPearls…) as PubMed indexes it."""
    document = element.find("BookDocument")
    book = document.find("Book") if document is not None else None
    if book is None:
        raise IdentifierLookupError(_unreadable("PubMed"))
    chapter_title = _text(document.find("ArticleTitle"))
    book_title = _text(book.find("BookTitle"))
    own_ids = element.find("PubmedBookData/ArticleIdList")
    accession = _article_id(document.find("ArticleIdList"), "bookaccession")
    record = blank_record()
    record.update(
        type="chapter" if chapter_title else "book",
        authors=_pubmed_names(document.find("AuthorList[@Type='authors']"))
        or _pubmed_names(book.find("AuthorList[@Type='authors']")),
        editors=_pubmed_names(book.find("AuthorList[@Type='editors']")),
        title=chapter_title or book_title,
        container_title=book_title if chapter_title else "",
        issued_year=_pubmed_year(book.find("PubDate")),
        volume=_text(book.find("Volume")),
        publisher=_text(book.find("Publisher/PublisherName")),
        publisher_place=_text(book.find("Publisher/PublisherLocation")),
        edition=_text(book.find("Edition")),
        isbn=_text(book.find("Isbn")),
        url=f"https://www.ncbi.nlm.nih.gov/books/{accession}/" if accession else "",
        doi=_valid_doi(_article_id(own_ids, "doi")),
        pmid=identifiers.normalize_pmid(_text(document.find("PMID"))),
        pmcid=identifiers.normalize_pmcid(_article_id(own_ids, "pmc")),
        abstract=_pubmed_abstract(document.find("Abstract")),
    )
    return record


def _article_id(id_list: etree._Element | None, id_type: str) -> str:
    if id_list is None:
        return ""
    return _text(id_list.find(f"ArticleId[@IdType='{id_type}']"))


def _valid_doi(value: str) -> str:
    doi = identifiers.normalize_doi(value)
    return doi if identifiers.is_valid_doi(doi) else ""


def _pubmed_names(author_list: etree._Element | None) -> list[dict]:
    if author_list is None:
        return []
    names = []
    for author in author_list.findall("Author"):
        if author.get("ValidYN") == "N":
            continue
        collective = _text(author.find("CollectiveName"))
        family = _text(author.find("LastName"))
        if collective:
            names.append({"literal": collective})
        elif family:
            name = {
                "family": family,
                "given": _text(author.find("ForeName")) or _text(author.find("Initials")),
                "suffix": _text(author.find("Suffix")),
            }
            names.append({part: value for part, value in name.items() if value})
    return names


def _pubmed_year(date: etree._Element | None) -> int | None:
    if date is None:
        return None
    match = re.search(r"\d{4}", _text(date.find("Year")) or _text(date.find("MedlineDate")))
    return int(match.group()) if match else None


def _pubmed_pages(pagination: etree._Element | None) -> str:
    """Full page range: MEDLINE shortens "113-125" to "113-25", which not every style wants."""
    if pagination is None:
        return ""
    start, end = _text(pagination.find("StartPage")), _text(pagination.find("EndPage"))
    if start:
        return f"{start}-{end}" if end and end != start else start
    pages = _text(pagination.find("MedlinePgn"))
    match = re.fullmatch(r"(\d+)-(\d+)", pages)
    if match and len(match.group(2)) < len(match.group(1)):
        first, last = match.groups()
        return f"{first}-{first[: len(first) - len(last)]}{last}"
    return pages


def _pubmed_abstract(abstract: etree._Element | None) -> str:
    """Abstract text; the sections of a structured abstract become "LABEL: text" paragraphs."""
    if abstract is None:
        return ""
    sections = []
    for section in abstract.findall("AbstractText"):
        text = _text(section)
        label = (section.get("Label") or "").strip()
        if text:
            sections.append(f"{label}: {text}" if label else text)
    return "\n\n".join(sections)


def _text(element: etree._Element | None) -> str:
    """Text content without inline markup (<i>, <sub>, MathML), whitespace collapsed."""
    if element is None:
        return ""
    return " ".join(_inline_text(element).split())


def _inline_text(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_math_text(child) if child.tag == f"{{{_MATHML}}}math" else _inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _math_text(element: etree._Element) -> str:
    """MathML as plain text: "V.O2max", "3He", where itertext would give "V . O 2 m a x"."""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        text = element.text or ""
        # Pretty-printing indents between tags; a deliberate <mtext> </mtext> has no newline.
        return "" if "\n" in text and not text.strip() else text
    if etree.QName(element).localname == "mmultiscripts":
        names = [etree.QName(child).localname for child in children]
        if "mprescripts" in names:
            split = names.index("mprescripts")
            children = children[split + 1 :] + children[:split]
    return "".join(_math_text(child) for child in children)


# Parsing Crossref


def record_from_crossref(work: dict) -> dict:
    """A record from a Crossref work (the "message" of a /works/{doi} answer)."""
    csl_type = CROSSREF_TYPES.get(work.get("type", ""), "document")
    title = _markup_text(_first(work.get("title")))
    subtitle = _markup_text(_first(work.get("subtitle")))
    if subtitle and subtitle.casefold() not in title.casefold():
        title = f"{title}: {subtitle}" if title else subtitle
    url = work.get("URL") or ""
    doi = _valid_doi(work.get("DOI") or "")
    # For a whole book Crossref's container-title is its series, which CSL would print as a container.
    in_container = csl_type != "book"
    record = blank_record()
    record.update(
        type=csl_type,
        authors=_crossref_names(work.get("author")),
        editors=_crossref_names(work.get("editor")),
        title=title,
        container_title=_markup_text(_first(work.get("container-title"))) if in_container else "",
        container_title_short=_markup_text(_first(work.get("short-container-title"))) if in_container else "",
        issued_year=_crossref_year(work),
        volume=_string(work.get("volume")),
        issue=_string(work.get("issue")),
        pages=_string(work.get("page")),
        publisher=_string(work.get("publisher")),
        publisher_place=_string(work.get("publisher-location")),
        edition=_string(work.get("edition-number")),
        # Crossref's URL is the DOI resolver link, which the DOI already gives.
        url="" if doi and identifiers.normalize_doi(url) == doi else url,
        doi=doi,
        isbn=_string(_first(work.get("ISBN"))),
        abstract=_jats_text(work.get("abstract") or ""),
    )
    return record


def _first(values: object) -> object:
    if isinstance(values, list):
        return values[0] if values else ""
    return values or ""


def _string(value: object) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int) else ""


def _crossref_names(people: object) -> list[dict]:
    names = []
    for person in people if isinstance(people, list) else []:
        if not isinstance(person, dict):
            continue
        name = {part: _string(person.get(part)) for part in ("family", "given", "suffix")}
        name = {part: value for part, value in name.items() if value}
        if "family" in name:
            names.append(name)
        elif literal := _string(person.get("name")) or name.get("given", ""):
            names.append({"literal": literal})
    return names


def _crossref_year(work: dict) -> int | None:
    for field in ("issued", "published-print", "published-online", "published"):
        try:
            year = work[field]["date-parts"][0][0]
        except (KeyError, IndexError, TypeError):
            continue
        if isinstance(year, int | str) and str(year).isdigit():
            return int(year)
    return None


def _markup_text(value: object) -> str:
    """A Crossref title may carry HTML (<i>, <sub>) and entities; keep the words."""
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", value)).split())


def _jats_text(value: str) -> str:
    """Plain paragraphs from a JATS abstract; section titles become "Title: text"."""
    value = re.sub(r"<(jats:)?title>\s*Abstract\s*</(jats:)?title>", "", value, flags=re.IGNORECASE)
    value = re.sub(r"<(?:jats:)?title>(.*?)</(?:jats:)?title>\s*", r"\1: ", value, flags=re.DOTALL)
    value = re.sub(r"</(?:jats:)?p>", "\n\n", value)
    paragraphs = (_markup_text(paragraph) for paragraph in value.split("\n\n"))
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


# HTTP


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
