"""How pages present themselves to search engines, feed readers and link previews.

One rule for a page's public address (``public_url``: ``CRAMPS_SITE_URL`` when set, else the
address requested), used by canonical links, Open Graph tags, the feed, the sitemap and the
schema.org data (``page_jsonld``) of article and nutrient pages.
"""

import json
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from .citing import CitationContext
from .models import Document, Nutrient
from .templatetags.cramps import teaser

# Inside <script>, "</script>" or "<!--" in a value would end or change the element.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def public_url(request: HttpRequest, path: str) -> str:
    """The absolute address of ``path`` on the public site."""
    return urljoin(settings.CRAMPS_SITE_URL or request.build_absolute_uri("/"), path)


def public_domain_and_protocol() -> tuple[str, str] | None:
    """``("example.org", "https")`` from ``CRAMPS_SITE_URL``, or None when it is not set."""
    if not settings.CRAMPS_SITE_URL:
        return None
    parts = urlsplit(settings.CRAMPS_SITE_URL)
    return parts.netloc, parts.scheme or "https"


def canonical_url(request: HttpRequest) -> str:
    """This page's one address: the path, and the page number of a paginated list (not other parameters)."""
    page = request.GET.get("page", "")
    suffix = f"?page={page}" if page.isdigit() and page != "1" else ""
    return public_url(request, request.path) + suffix


def page_jsonld(document: Document, citations: CitationContext, url: str) -> dict:
    """schema.org ``MedicalWebPage`` data for a published page: review, dates and what it cites."""
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "url": url,
        "name": document.title,
        "headline": document.title,
        "description": teaser(document.summary_html),
        "inLanguage": "en",
        "dateModified": document.updated,
        "datePublished": document.publish_at or document.created,
        "publisher": {"@type": "Organization", "name": settings.CRAMPS_SITE_NAME},
        "citation": [_cited_work(entry.reference) for entry in citations.entries],
    }
    if isinstance(document, Nutrient):
        data["about"] = {"@type": "Substance", "name": document.title, "alternateName": document.alias_list}
    if document.reviewed_on:
        data["lastReviewed"] = document.reviewed_on
    if document.medical_reviewer:
        data["reviewedBy"] = {"@type": "Person", "name": document.medical_reviewer}
    return data


def _cited_work(reference) -> dict:
    work = {"@type": "ScholarlyArticle", "name": reference.title}
    authors = [name.get("literal") or " ".join(filter(None, (name.get("given"), name.get("family"))))
               for name in reference.authors or []]  # fmt: skip
    if authors:
        work["author"] = [{"@type": "Person", "name": name} for name in authors if name]
    if reference.issued_year:
        work["datePublished"] = str(reference.issued_year)
    if reference.container_title:
        work["isPartOf"] = reference.container_title
    identifiers = [f"PMID:{reference.pmid}"] if reference.pmid else []
    identifiers += [f"doi:{reference.doi}"] if reference.doi else []
    if identifiers:
        work["identifier"] = identifiers
    if reference.source_url:
        work["url"] = reference.source_url
    return work


def jsonld_script(data: dict) -> SafeString:
    """``data`` in a ``<script type="application/ld+json">`` data block.

    A data block is never run, so the Content-Security-Policy's ``script-src`` does not apply
    and it needs no nonce (the browser test of readers' pages checks that nothing is refused);
    pages with it stay cacheable as they are.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
