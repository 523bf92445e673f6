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
"""

import hashlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, prefetch_related_objects
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from . import pagecache
from .citing import citation_context
from .models import Article, Document, Nutrient, PageBody
from .related import Links, related_shown
from .services import INLINES
from .sharing import jsonld_script, page_jsonld, public_url
from .templatetags.cramps import teaser

# Where a body leaves room for what is rendered per request: ``<!--cramps:slot:NAME-->``. Text
# editors write cannot hold it: plain fields are escaped and Markdown HTML loses its comments.
_SLOT = re.compile(r"<!--cramps:slot:(\w+)-->")
SLOTS = {name: mark_safe(f"<!--cramps:slot:{name}-->") for name in ("toc", "related")}

_FIELDS = {
    "body_generation": "generation",
    "body_stamp": "stamp",
    "body_parts": "parts",
    "body_description": "description",
    "body_share": "share_html",
    "body_tokens": "tokens",
    "body_links": "links",
}


def with_body(queryset):
    """``queryset`` with each document's stored body read in the same query (a LEFT JOIN)."""
    return queryset.annotate(**{name: F(f"page_bodies__{field}") for name, field in _FIELDS.items()})


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
    """The document's body: stored if current (``document`` from ``with_body``), else rendered and stored."""
    url = public_url(request, document.get_absolute_url()) if document.is_public else ""
    stamp = _stamp(document, url)
    if getattr(document, "body_stamp", None) == stamp:
        links = Links(**document.body_links)
        return Body(
            document.body_parts, document.body_description, document.body_share, document.body_tokens, links
        )
    body = render_body(document, url)
    _store(document, body, stamp, getattr(document, "body_generation", None))
    return body


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


def _store(document: Document, body: Body, stamp: str, generation: int | None) -> None:
    values = {"stamp": stamp, "parts": body.parts, "description": body.description, "share_html": body.share,
              "tokens": body.tokens, "links": asdict(body.links)}  # fmt: skip
    content_type = ContentType.objects.get_for_model(document)
    if generation is None:
        # No row yet: a change made since created one (``invalidate``), and this insert loses.
        row = PageBody(content_type=content_type, object_id=document.pk, **values)
        PageBody.objects.bulk_create([row], ignore_conflicts=True)
    else:
        PageBody.objects.filter(
            content_type=content_type, object_id=document.pk, generation=generation
        ).update(**values)


def invalidate(documents: Iterable[tuple[type[Document], int]]) -> None:
    """Mark the stored bodies of ``documents`` ((model, pk) pairs) stale, creating rows they lack."""
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
            generation=F("generation") + 1, stamp=""
        )


def invalidate_all() -> None:
    """Mark every stored body stale (after changes no signal announced, such as a data migration)."""
    PageBody.objects.update(generation=F("generation") + 1, stamp="")


def slots_of(document: Document, links: Links) -> dict[str, str]:
    """The HTML for the body's slots: the related lists and their contents entries.

    Kept in the page cache's memo until any document changes or the next scheduled page goes
    public: the lists show other pages, so no save of this one alone can tell when they change.
    """

    def compute() -> dict[str, str]:
        name = type(document)._meta.model_name
        context = {
            "object": document,
            name: document,
            "related_articles": related_shown(document, Article, links),
            "related_nutrients": related_shown(document, Nutrient, links),
        }
        return {slot: render_to_string(f"cramps/slots/{name}_{slot}.html", context) for slot in SLOTS}

    memo_name = f"slots:{pagecache.document_token(document)}"
    return pagecache.memo(
        memo_name, [pagecache.DOCUMENTS], compute, until=lambda _: pagecache.next_publication()
    )
