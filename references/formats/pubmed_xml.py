"""PubMed EFetch answers (PubmedArticleSet XML) as records.

Only an article's own identifiers are read (``PubmedData/ArticleIdList``, ``ELocationID``),
never those of the works in its reference list. Inline markup and MathML in titles and
abstracts become plain text.
"""

import re

from lxml import etree

from ..record import build_record
from .common import ParseError

_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_MATHML = "http://www.w3.org/1998/Math/MathML"


def records_from_pubmed_xml(data: bytes) -> list[dict]:
    """Records for the articles and book chapters in an EFetch PubmedArticleSet."""
    try:
        root = etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError:
        raise ParseError("This is not a PubMed EFetch answer (PubmedArticleSet XML).") from None
    if root.tag != "PubmedArticleSet":
        raise ParseError("This is not a PubMed EFetch answer (PubmedArticleSet XML).")
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
        raise ParseError("This is not a PubMed EFetch answer (PubmedArticleSet XML).")
    # The article's own ids: PubmedData/ReferenceList holds the ids of the works it cites.
    own_ids = element.find("PubmedData/ArticleIdList")
    journal_issue = article.find("Journal/JournalIssue")
    return build_record(
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
        doi=_article_id(own_ids, "doi") or _text(article.find("ELocationID[@EIdType='doi']")),
        pmid=_text(citation.find("PMID")),
        pmcid=_article_id(own_ids, "pmc"),
        abstract=_pubmed_abstract(article.find("Abstract")),
    )


def _pubmed_book_article(element: etree._Element) -> dict:
    """A book or chapter on NCBI Bookshelf (GeneReviews, StatPearls…) as PubMed indexes it."""
    document = element.find("BookDocument")
    book = document.find("Book") if document is not None else None
    if book is None:
        raise ParseError("This is not a PubMed EFetch answer (PubmedArticleSet XML).")
    chapter_title = _text(document.find("ArticleTitle"))
    book_title = _text(book.find("BookTitle"))
    own_ids = element.find("PubmedBookData/ArticleIdList")
    accession = _article_id(document.find("ArticleIdList"), "bookaccession")
    return build_record(
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
        doi=_article_id(own_ids, "doi"),
        pmid=_text(document.find("PMID")),
        pmcid=_article_id(own_ids, "pmc"),
        abstract=_pubmed_abstract(document.find("Abstract")),
    )


def _article_id(id_list: etree._Element | None, id_type: str) -> str:
    if id_list is None:
        return ""
    return _text(id_list.find(f"ArticleId[@IdType='{id_type}']"))


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
