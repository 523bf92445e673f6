"""PDF handouts of articles, nutrients and references (studies), singly or combined, and the
page that builds them.

These views decide who may see what, parse the request and answer with the stored PDF (ETag /
Last-Modified), or with a page that refreshes itself while the PDF is being prepared in the
background (``service.handout_obtain``). Drafts, pages in review and scheduled pages are 404
for the public, as on the web; staff may preview them.

Errors are HTML pages (``handouts/error.html``) naming what went wrong: 400 for a request we
cannot read (bad ``paper``, malformed or too many ``items``), 404 for an item that does not
exist or is not published (as for a single page, without saying which of the two), 429 when an
anonymous client has started too many new renders, and 503 with Retry-After when the PDF
could not be made.
"""

from collections.abc import Sequence

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import content_disposition_header, http_date, urlencode
from django.views.decorators.http import require_safe
from django_ratelimit.core import get_usage

from references.models import Reference

from ..compare import ComparisonRefused, comparison_nutrients, requested_slugs
from ..models import Article, Document, Nutrient
from ..pagecache import DOCUMENTS, REFERENCES, cached_page, depends
from . import document, service, store
from .document import Item
from .keys import handout_key_current, part_tokens
from .models import HandoutLayout, HandoutState

MODELS: dict[str, type[Document] | type[Reference]] = {
    "article": Article,
    "nutrient": Nutrient,
    "reference": Reference,
}
RETRY_AFTER_SECONDS = 30
# Pages of each kind the builder lists at once.
BUILDER_PAGE = 30
# How often the "being prepared" page reloads itself.
REFRESH_SECONDS = 3


class BadRequest(Exception):
    """The handout request cannot be read; the message says why, for the reader."""


def _error(
    request: HttpRequest, status: int, heading: str, message: str, *, back: Document | None = None,
    retry_after: int = RETRY_AFTER_SECONDS,
) -> HttpResponse:  # fmt: skip
    context = {"heading": heading, "message": message, "status": status, "back": back}
    response = render(request, "handouts/error.html", context, status=status)
    if status in (429, 503):
        response["Retry-After"] = str(retry_after)
        patch_cache_control(response, no_store=True)
    return response


def _paper(request: HttpRequest) -> str:
    paper = request.GET.get("paper") or settings.CRAMPS_HANDOUT_PAPER
    if paper not in document.PAPER_SIZES:
        raise BadRequest(f"Unknown paper size “{paper}”: choose a4 or letter.")
    return paper


def _render_budget(request: HttpRequest) -> dict | None:
    """Count a new render against an anonymous client's budget; its usage, or None if unlimited."""
    if request.user.is_authenticated:
        return None
    return get_usage(
        request, group="handout-render", key="ip", rate=settings.CRAMPS_HANDOUT_RENDER_RATE, increment=True
    )


def _preparing(request: HttpRequest, parts: Sequence[Item]) -> HttpResponse:
    """202: the PDF is being made; the page reloads itself (a meta refresh: no script needed)."""
    context = {"parts": parts, "refresh": REFRESH_SECONDS, "back": parts[0] if len(parts) == 1 else None}
    response = render(request, "handouts/preparing.html", context, status=202)
    response["Retry-After"] = str(REFRESH_SECONDS)
    patch_cache_control(response, no_store=True)
    return response


def _pdf_response(
    request: HttpRequest, parts: Sequence[Item], paper: str, layout: str = HandoutLayout.PAGES
) -> HttpResponse:
    """The stored handout, or the "being prepared" page while it is rendered in the background."""
    site_url = service.handout_site_url(request)
    depends(request, *part_tokens(parts))
    key = handout_key_current(parts=parts, paper=paper, site_url=site_url, layout=layout)
    etag = f'"{key}"'
    # A client holding this ETag already has exactly this PDF: no need to look any further.
    if (not_modified := get_conditional_response(request, etag=etag)) is not None:
        not_modified["ETag"] = etag
        return not_modified
    back = parts[0] if len(parts) == 1 else None
    usage = {}

    def may_queue() -> bool:
        usage.update(_render_budget(request) or {})
        return not usage.get("should_limit", False)

    try:
        handout = service.handout_obtain(
            key=key, parts=parts, paper=paper, site_url=site_url, may_queue=may_queue, layout=layout
        )
    except service.RenderRefused:
        return _error(
            request, 429, "Too many new PDFs in a short time",
            "This PDF has not been made yet, and your connection has asked for many new PDFs "
            "recently. Please try again later; PDFs other readers have asked for are still available.",
            back=back, retry_after=max(usage.get("time_left", RETRY_AFTER_SECONDS), 1),
        )  # fmt: skip
    if handout.state == HandoutState.FAILED:
        return _error(
            request, 503, "We could not make this PDF just now",
            f"{handout.error} Please try again in a minute; the web page itself is still available.",
            back=back,
        )  # fmt: skip
    if handout.state != HandoutState.READY:
        return _preparing(request, parts)
    last_modified = int(handout.rendered_at.timestamp())
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if not_modified is not None:
        return not_modified
    try:
        pdf = b"" if request.method == "HEAD" else store.pdf_read(key)
    except FileNotFoundError:
        service.handout_lost(handout)
        return _preparing(request, parts)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        False, document.handout_filename(parts, layout)
    )
    response["Content-Length"] = str(handout.size)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    if all(document.is_public(part) for part in parts):
        patch_cache_control(response, public=True, max_age=300)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response


def _document_handout(request: HttpRequest, model: type[Document], slug: str) -> HttpResponse:
    document = get_object_or_404(model.objects.visible_to(request.user), slug=slug)
    try:
        paper = _paper(request)
    except BadRequest as error:
        return _error(request, 400, "This PDF address is not quite right", str(error), back=document)
    return _pdf_response(request, [document], paper)


@cached_page(query=("paper",))
@require_safe
def article_handout(request: HttpRequest, slug: str) -> HttpResponse:
    """One article as a PDF handout (``?paper=a4|letter``)."""
    return _document_handout(request, Article, slug)


@cached_page(query=("paper",))
@require_safe
def nutrient_handout(request: HttpRequest, slug: str) -> HttpResponse:
    """One nutrient page as a PDF handout (``?paper=a4|letter``)."""
    return _document_handout(request, Nutrient, slug)


@cached_page(query=("paper",))
@require_safe
def reference_handout(request: HttpRequest, key: str) -> HttpResponse:
    """One reference as a PDF handout (``?paper=a4|letter``): its entry with PubMed, PMC and DOI
    addresses in full, its study summary and the published pages citing it. Every reference has
    one, as every reference has a page."""
    reference = get_object_or_404(Reference, key=key)
    try:
        paper = _paper(request)
    except BadRequest as error:
        return _error(request, 400, "This PDF address is not quite right", str(error), back=reference)
    return _pdf_response(request, [reference], paper)


def requested_items(request: HttpRequest) -> list[str]:
    """``items`` as repeated parameters (the builder's checkboxes), comma lists, or both."""
    items = (item.strip() for value in request.GET.getlist("items") for item in value.split(","))
    return list(dict.fromkeys(item for item in items if item))


def _parse_item(item: str) -> tuple[type[Item], str]:
    kind, _, slug = item.partition(":")
    if kind not in MODELS or not slug:
        raise BadRequest(
            f"“{item}” is not an item: write article:<slug>, nutrient:<slug> or reference:<key>."
        )
    return MODELS[kind], slug


def _visible(model: type[Item], user, names: list[str]) -> dict[str, Item]:
    """The items of ``model`` named (slugs, or keys for references) that ``user`` may see, by name."""
    if model is Reference:
        return Reference.objects.in_bulk(names, field_name="key")
    return {document.slug: document for document in model.objects.visible_to(user).filter(slug__in=names)}


@cached_page(query=("items", "paper"))
@require_safe
def combined_handout(request: HttpRequest) -> HttpResponse:
    """Several articles, nutrients and references in one PDF: ``?items=article:a,reference:k``
    (at most 20).

    A one-page summary first, then one contents list, one reference list numbered across all
    parts, one disclaimer; references come after the pages, in a "Studies" section. With no items
    at all, the reader is sent back to the builder, which says so.
    """
    items = requested_items(request)
    if not items:
        # Back to the builder, which says that nothing was ticked and keeps the paper chosen.
        paper = request.GET.get("paper")
        query = {"nothing": "1", **({"paper": paper} if paper in document.PAPER_SIZES else {})}
        return redirect(f"{reverse('handout-builder')}?{urlencode(query)}")
    try:
        paper = _paper(request)
        if len(items) > document.MAX_PARTS:
            raise BadRequest(
                f"A handout can hold at most {document.MAX_PARTS} topics (pages of this site); "
                f"{len(items)} were asked for."
            )
        wanted = [(item, *_parse_item(item)) for item in items]
    except BadRequest as error:
        return _error(request, 400, "This PDF address is not quite right", str(error))
    visible = {}
    for model in dict.fromkeys(model for _, model, _ in wanted):
        names = [slug for _, wanted_model, slug in wanted if wanted_model is model]
        visible.update({(model, name): item for name, item in _visible(model, request.user, names).items()})
    if missing := [item for item, model, slug in wanted if (model, slug) not in visible]:
        return _error(
            request, 404, "A page in this handout is not available",
            f"There is no published page “{missing[0]}”. Remove it from the list and try again.",
        )  # fmt: skip
    parts = document.in_handout_order([visible[model, slug] for _, model, slug in wanted])
    return _pdf_response(request, parts, paper)


@cached_page(query=("nutrients", "paper"))
@require_safe
def comparison_handout(request: HttpRequest) -> HttpResponse:
    """2–4 nutrients side by side as a PDF (``?nutrients=a,b,c``), as on the comparison page."""
    try:
        paper = _paper(request)
        nutrients = comparison_nutrients(
            requested_slugs(request.GET.getlist("nutrients")), Nutrient.objects.visible_to(request.user)
        )
    except BadRequest as error:
        return _error(request, 400, "This PDF address is not quite right", str(error))
    except ComparisonRefused as refusal:
        return _error(request, refusal.status, "This comparison cannot be made", refusal.message)
    return _pdf_response(request, nutrients, paper, HandoutLayout.COMPARISON)


@cached_page(query=("items", "q", "page", "paper", "nothing"))
@require_safe
def handout_builder(request: HttpRequest) -> HttpResponse:
    """Choose published articles and nutrients, and studies, for one PDF. Template:
    ``handouts/builder.html``.

    A plain GET form: its checkboxes submit repeated ``items`` to ``combined_handout``; its
    search button (``?q=``, titles) and page links come back here carrying the ticked items.
    ``?items=…`` pre-ticks pages (the "combine" link on each page uses it), ``?paper=`` keeps the
    paper chosen, and ``?nothing=1`` (from ``combined_handout``) says that nothing was ticked.
    The chosen items are listed first; the others a page (``BUILDER_PAGE`` of each kind) at a
    time. The studies offered are the references with a study summary. A second form asks
    ``comparison_handout`` for 2–4 nutrients side by side.
    """
    depends(request, DOCUMENTS, REFERENCES)
    items = requested_items(request)[: document.MAX_PARTS]
    query = request.GET.get("q", "").strip()[:100]
    paper = request.GET.get("paper")
    chosen, groups, pages = [], [], []
    for kind, model in MODELS.items():
        names = [name for item in items if (name := item.removeprefix(f"{kind}:")) != item]
        if model is Reference:
            offered, label, field = (
                Reference.objects.summarised().only("key", "title"),
                "Studies",
                "key",
            )
        else:
            offered = model.objects.published().only("title", "slug")
            label, field = model._meta.verbose_name_plural.capitalize(), "slug"
        offered = offered.order_by("title")
        if names:
            picked = (Reference.objects.only("key", "title") if model is Reference else offered).filter(
                **{f"{field}__in": names}
            )
            chosen += [(f"{kind}:{getattr(item, field)}", item) for item in picked]
        found = offered.exclude(**{f"{field}__in": names})
        if query:
            found = found.filter(title__icontains=query)
        page = Paginator(found, BUILDER_PAGE).get_page(request.GET.get("page"))
        groups.append((label, [(f"{kind}:{getattr(item, field)}", item) for item in page]))
        pages.append(page)
    carried = [("items", value) for value, _ in chosen] + ([("q", query)] if query else [])
    return render(
        request,
        "handouts/builder.html",
        {
            "chosen": chosen,
            "groups": groups,
            "page_obj": max(pages, key=lambda page: page.paginator.num_pages),
            "carried": urlencode(carried),
            "query": query,
            "paper": paper if paper in document.PAPER_SIZES else settings.CRAMPS_HANDOUT_PAPER,
            "nothing_ticked": "nothing" in request.GET,
            "max_items": document.MAX_PARTS,
            "action": reverse("combined-handout"),
            "compare_action": reverse("compare-handout"),
            "compare_choices": Nutrient.objects.published().only("title", "slug").order_by("title"),
        },
    )
