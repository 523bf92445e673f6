"""Document pages rendered once and served from one row.

A page's body (everything inside ``<article>`` except its related-page lists) depends on the
document, its inline rows, tags and cited references, and on the templates and code. It is
rendered on the first request after any of those change and kept in ``PageBody``: showing the
page then reads one row (the document joined with its body, ``with_body``) and renders only the
related lists, which follow other pages' publishing, into the body's slots (found from the
tag and nutrient ids stored with the body, ``related.Links``).

Staying in step whatever path saved the source (admin, import, shell, restore): every change the
page cache is told of (``pagecache.bump`` with a document's token, which its receivers send
whether or not the page cache is on) calls ``invalidate``, which moves the body's generation
and clears its stamp. A body rendered from rows read before a change is never stored over it:
it is stored only while the generation read with the document is still current (a conditional
UPDATE; or an INSERT that loses to the row ``invalidate`` created). A new design (templates,
code: ``pagecache.design_version``) or a page going public changes the stamp itself.
``QuerySet.update()`` of content sends no signal: ``invalidate_all`` is the remedy (run by
``migrate`` and ``check_citations --fix``).

A public page is then kept whole, as served (``kept``), so that showing it again reads one
row and renders nothing (``stored_page``). Its related lists show other pages, so it is current
only while ``SiteVersion`` "documents", which every document change moves in its own
transaction and which the page reads in the same query, is the version it was rendered at, and
until the next scheduled publication it was rendered before.
"""

import functools
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from . import pagecache
from .citing import citation_context
from .models import Article, Document, Nutrient, PageBody, SiteVersion
from .precompiled import Compiled, Value
from .related import Links, related_shown
from .services import INLINES
from .sharing import jsonld_script, page_jsonld, public_url
from .templatetags.cramps import teaser

# Where a body leaves room for what is rendered per request: ``<!--cramps:slot:NAME-->``. Text
# editors write cannot hold it: plain fields are escaped and Markdown HTML loses its comments.
_SLOT = re.compile(r"<!--cramps:slot:(\w+)-->")
SLOTS = {name: mark_safe(f"<!--cramps:slot:{name}-->") for name in ("toc", "related")}

# What showing a kept page needs: of the document's own row, and of its ``PageBody``.
ROW_FIELDS = ("pk", "title", "slug", "status", "publish_at", "created")
_PAGE_FIELDS = {
    "body_generation": "generation",
    "body_stamp": "stamp",
    "body_tokens": "tokens",
    "body_page": "page",
    "body_page_version": "page_version",
    "body_page_until": "page_until",
}
# What filling the body's slots needs besides (read with the page by ``with_body``, else by
# ``body_of`` when the kept page is not current).
_BODY_FIELDS = {
    "body_parts": "parts",
    "body_description": "description",
    "body_share": "share_html",
    "body_links": "links",
}


# The documents version as a scalar subquery. Written out (a constant, names quoted by the
# connection), because ``Subquery`` of a queryset is compiled again for each page request.
_DOCUMENTS_VERSION = RawSQL(
    f"SELECT {connection.ops.quote_name('version')} FROM {connection.ops.quote_name(SiteVersion._meta.db_table)} "
    f"WHERE {connection.ops.quote_name('name')} = %s",
    (SiteVersion.DOCUMENTS,),
    output_field=SiteVersion._meta.get_field("version"),
)


def with_page(queryset):
    """``queryset``'s documents, only ``ROW_FIELDS``, with each one's kept page and the documents
    version read in the same query (a LEFT JOIN): all that showing a current kept page needs."""
    return _annotated(queryset.only(*ROW_FIELDS), _PAGE_FIELDS)


@functools.cache
def pages_of(model: type[Document]):
    """``with_page(model.objects.all())``, built once per process: a reader's request only
    narrows it (``visible_to``, the slug), which saves resolving its joins each time."""
    return with_page(model.objects.all())


@functools.cache
def _readers_page(model: type[Document]) -> Compiled:
    """``for_request``'s query for a reader (``pages_of``, published now) by slug, compiled once."""
    fields = [model._meta.pk.attname if name == "pk" else name for name in ROW_FIELDS]
    return Compiled(
        model,
        lambda slug, now: (
            pages_of(model)
            .published(now)
            .filter(slug=slug)
            .values(*fields, "documents_version", *_PAGE_FIELDS)
        ),
        {
            "slug": Value(model._meta.get_field("slug"), ("a", "b")),
            "now": Value(
                model._meta.get_field("publish_at"),
                (datetime(2001, 1, 1, tzinfo=UTC), datetime(2002, 1, 1, tzinfo=UTC)),
            ),
        },
        # The join to the page's body names its content type by id.
        context=lambda: ContentType.objects.get_for_model(model).pk,
    )


def for_reader(request: HttpRequest, model: type[Document], slug: str) -> Document | None:
    """The public page of ``model`` at ``slug`` as ``for_request`` reads it for a reader who is not
    signed in, from SQL compiled once per process (``precompiled``); None when the user is signed
    in (``for_request`` reads theirs) or there is no such public page."""
    if _signed_in(request):
        return None
    return _readers_page(model).instance(slug=slug, now=timezone.now())


def with_body(queryset):
    """``queryset`` with each document's stored body and kept page, and the documents version,
    read in the same query (a LEFT JOIN)."""
    return _annotated(queryset, {**_PAGE_FIELDS, **_BODY_FIELDS})


def for_request(request: HttpRequest, model: type[Document]):
    """The pages of ``model`` the request's user may see, read for showing one: with its kept
    page (``pages_of``) for a reader, whose kept page is most likely current; with its stored
    body (``with_body``) for a signed-in user, who is never served a kept page (``stored_page``)."""
    if _signed_in(request):
        return with_body(model.objects.visible_to(request.user))
    return pages_of(model).visible_to(request.user)


def _signed_in(request: HttpRequest) -> bool:
    return request.user.is_authenticated


def _annotated(queryset, fields: dict[str, str]):
    return queryset.annotate(
        documents_version=_DOCUMENTS_VERSION,
        **{name: F(f"page_bodies__{field}") for name, field in fields.items()},
    )


@dataclass
class Body:
    """A rendered body: text between slots, the page's description and sharing tags, the page
    cache tokens it shows and the links the related lists are found from."""

    parts: list[str]
    description: str
    share: str
    tokens: list[str]
    links: Links

    def html(self, slots: dict[str, str]) -> SafeString:
        """The body with each slot filled from ``slots`` (rendered HTML by slot name)."""
        pieces = self.parts[:]
        for index in range(1, len(pieces), 2):
            pieces[index] = slots.get(pieces[index], "")
        return mark_safe("".join(pieces))


def body_of(request: HttpRequest, document: Document) -> Body:
    """The document's body: stored if current (``document`` from ``with_body`` or
    ``with_page``), else rendered and stored."""
    url = _public_url(request, document)
    stamp = _stamp(document, url)
    if getattr(document, "body_stamp", None) == stamp and _body_fields_read(document):
        links = Links(**document.body_links)
        return Body(
            document.body_parts, document.body_description, document.body_share, document.body_tokens, links
        )
    # A document read by ``with_page`` lacks what the body shows.
    source = type(document)._base_manager.get(pk=document.pk) if document.get_deferred_fields() else document
    body = render_body(source, url)
    _store(document, body, stamp, getattr(document, "body_generation", None))
    return body


def _body_fields_read(document: Document) -> bool:
    """Read the body's ``_BODY_FIELDS`` onto a document from ``with_page``; False: no row now."""
    if hasattr(document, "body_parts"):
        return True
    content_type = ContentType.objects.get_for_model(document)
    row = PageBody.objects.filter(content_type=content_type, object_id=document.pk)
    values = row.values(*_BODY_FIELDS.values()).first()
    for name, field in _BODY_FIELDS.items():
        setattr(document, name, values[field] if values else None)
    return values is not None


def stored_page(request: HttpRequest, document: Document) -> str | None:
    """The whole page kept for ``document`` (read by ``with_page``) if it is current, else None.

    Never for a signed-in user: editors see each page rendered as the database is now.
    """
    page = getattr(document, "body_page", "")
    if not page or not _for_readers(request, document):
        return None
    if document.body_page_version != document.documents_version:
        return None
    if document.body_page_until is not None and document.body_page_until <= timezone.now():
        return None
    return page if document.body_stamp == _stamp(document, _public_url(request, document)) else None


def _for_readers(request: HttpRequest, document: Document) -> bool:
    """Whether this request's page of ``document`` is the one every reader gets: a public page,
    asked for by a reader who is not signed in, with no query string."""
    return document.is_public and not request.GET and not _signed_in(request)


def kept(request: HttpRequest, document: Document, render: Callable[[], HttpResponse]) -> HttpResponse:
    """``render()``, the page for ``document`` (read by ``with_page``) rendered for this request,
    kept for the readers after this one (``stored_page``) unless something it shows changed
    since ``document`` was read."""
    version = getattr(document, "documents_version", None)
    if version is None or not _for_readers(request, document):
        return render()
    # Read before rendering: a page going public while this one renders then still ends it.
    until = pagecache.next_publication(cached=False)
    response = render()
    # A page holding a CSRF token (a form) is this reader's own, whatever the response says yet.
    if pagecache.shareable(response) and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        PageBody.objects.filter(
            content_type=ContentType.objects.get_for_model(document),
            object_id=document.pk,
            generation=getattr(document, "body_generation", None) or 0,
            stamp=_stamp(document, _public_url(request, document)),
        ).update(page=response.content.decode(), page_version=version, page_until=until)
    return response


def _public_url(request: HttpRequest, document: Document) -> str:
    return public_url(request, document.get_absolute_url()) if document.is_public else ""


def _stamp(document: Document, url: str) -> str:
    """What a body was rendered for. ``created`` guards against a body left behind by a deleted
    page whose id a new page (on SQLite) reuses."""
    text = f"{pagecache.design_version()}\n{url}\n{document.created.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def render_body(document: Document, url: str) -> Body:
    """Render the body from the database as it is now; ``url`` is the public address ("" for a preview)."""
    model = type(document)
    extra = ("related_nutrients",) if model is Article else ()
    prefetch_related_objects([document], "tags", "citations__reference", *INLINES[model], *extra)
    citations = list(document.citations.all())
    context = citation_context(citations)
    name = model._meta.model_name
    values = {name: document, "object": document, "citations": context, "slot": SLOTS}
    html = render_to_string(f"cramps/{name}_body.html", values)
    values["jsonld"] = jsonld_script(page_jsonld(document, context, url)) if url else ""
    share = render_to_string("includes/_share.html", values)
    tokens = [pagecache.document_token(document)]
    tokens += [pagecache.reference_token(citation.reference.key) for citation in citations]
    return Body(_SLOT.split(html), teaser(document.summary_html), share, tokens, Links.of(document))


# A body stored or marked stale drops the page kept with it: the stamp alone names no content.
_NO_PAGE = {"page": "", "page_version": None, "page_until": None}


def _store(document: Document, body: Body, stamp: str, generation: int | None) -> None:
    values = {"stamp": stamp, "parts": body.parts, "description": body.description, "share_html": body.share,
              "tokens": body.tokens, "links": asdict(body.links), **_NO_PAGE}  # fmt: skip
    content_type = ContentType.objects.get_for_model(document)
    if generation is None:
        # No row yet: a change made since created one (``invalidate``), and this insert loses.
        row = PageBody(content_type=content_type, object_id=document.pk, **values)
        PageBody.objects.bulk_create([row], ignore_conflicts=True)
    else:
        PageBody.objects.filter(
            content_type=content_type, object_id=document.pk, generation=generation
        ).update(**values)


def invalidate(documents: Iterable[tuple[type[Document], int]], *, any_document: bool = False) -> None:
    """Mark the stored bodies of ``documents`` ((model, pk) pairs) stale, creating rows they lack;
    ``any_document``: a document changed, so every kept page's related lists may have too."""
    if any_document:
        _documents_changed()
    by_model: dict[type[Document], set[int]] = {}
    for model, pk in documents:
        by_model.setdefault(model, set()).add(pk)
    for model, pks in by_model.items():
        content_type = ContentType.objects.get_for_model(model)
        existing = model._base_manager.filter(pk__in=pks).values_list("pk", flat=True)
        PageBody.objects.bulk_create(
            [PageBody(content_type=content_type, object_id=pk) for pk in existing], ignore_conflicts=True
        )
        PageBody.objects.filter(content_type=content_type, object_id__in=pks).update(
            generation=F("generation") + 1, stamp="", **_NO_PAGE
        )


def invalidate_all() -> None:
    """Mark every stored body stale (after changes no signal announced, such as a data migration)."""
    _documents_changed()
    PageBody.objects.update(generation=F("generation") + 1, stamp="", **_NO_PAGE)


def _documents_changed() -> None:
    if not SiteVersion.objects.filter(name=SiteVersion.DOCUMENTS).update(version=F("version") + 1):
        SiteVersion.objects.bulk_create(
            [SiteVersion(name=SiteVersion.DOCUMENTS, version=1)], ignore_conflicts=True
        )


def slots_of(document: Document, links: Links) -> dict[str, str]:
    """The HTML for the body's slots: the related lists and their contents entries.

    Rendered from the database as it is now (two queries), never from a cache: a page kept by
    ``kept`` must show rows at least as new as the documents version it is kept with.
    """
    name = type(document)._meta.model_name
    context = {
        "object": document,
        name: document,
        "related_articles": related_shown(document, Article, links),
        "related_nutrients": related_shown(document, Nutrient, links),
    }
    return {slot: render_to_string(f"cramps/slots/{name}_{slot}.html", context) for slot in SLOTS}
