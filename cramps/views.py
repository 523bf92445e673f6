"""Public pages. Every query for content goes through ``DocumentQuerySet.published`` or
``visible_to`` so that drafts and scheduled pages never leak."""

import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView
from taggit.models import Tag, TaggedItem

from references.bibliography import formatted_entries
from references.citations import cited_keys
from references.formats import FORMATS
from references.models import SEARCH_MAX_TERMS, Reference, search_terms

from . import pagebody, pagecache
from .citing import citing_pages, keys_citation_context
from .compare import (
    MAX_NUTRIENTS,
    MIN_NUTRIENTS,
    ComparisonRefused,
    comparison_build,
    comparison_nutrients,
    requested_slugs,
)
from .handouts.document import MAX_PARTS
from .models import Article, Document, Nutrient
from .pagination import NearEndPaginator
from .related import RELATED_KINDS, related_pages
from .sharing import public_url

# What a card (``includes/_card.html``) shows: lists read these columns only.
CARD_FIELDS = ("title", "slug", "summary_html")
# The home page shows this many nutrients and topics; their own pages list them all.
HOME_NUTRIENTS = 24
HOME_TAGS = 40
# Pages citing one reference listed on its page (the rest are counted).
CITED_BY_LIMIT = 50


def _published_tags() -> list[dict]:
    counts: dict[int, dict[str, int]] = {}
    for model in (Article, Nutrient):
        rows = (
            TaggedItem.objects.filter(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=model.objects.published().values("pk"),
            )
            .values_list("tag_id")
            .annotate(count=Count("pk"))
        )
        for tag_id, count in rows:
            counts.setdefault(tag_id, {"article_count": 0, "nutrient_count": 0})[
                f"{model._meta.model_name}_count"
            ] = count
    tags = Tag.objects.filter(pk__in=list(counts)).order_by("name").values("pk", "name", "slug")
    return [{"name": tag["name"], "slug": tag["slug"], **counts[tag["pk"]]} for tag in tags]


def published_tags() -> list[dict]:
    """Tags carried by at least one published article or nutrient, A–Z, with counts (name, slug,
    article_count, nutrient_count); kept in the shared cache until a page changes or is published."""
    return pagecache.memo(
        "published-tags", [pagecache.DOCUMENTS], _published_tags, until=pagecache.next_publication()
    )


def _page_of(request: HttpRequest, queryset, per_page: int):
    return NearEndPaginator(queryset, per_page).get_page(request.GET.get("page"))


@pagecache.cached_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Featured articles, all nutrients and the tag index. Template: ``cramps/home.html``."""
    pagecache.depends(request, pagecache.DOCUMENTS)
    articles = Article.objects.published().only(*CARD_FIELDS).order_by("-featured", "-updated")[:6]
    nutrients = Nutrient.objects.published().only(*CARD_FIELDS).order_by("title")[: HOME_NUTRIENTS + 1]
    tags = published_tags()
    most_used = sorted(tags, key=lambda tag: -(tag["article_count"] + tag["nutrient_count"]))[:HOME_TAGS]
    return render(
        request,
        "cramps/home.html",
        {
            "articles": articles,
            "nutrients": nutrients[:HOME_NUTRIENTS],
            "more_nutrients": len(nutrients) > HOME_NUTRIENTS,
            "tags": sorted(most_used, key=lambda tag: tag["name"]),
            "more_tags": len(tags) > HOME_TAGS,
        },
    )


class PublishedListView(ListView):
    """A paginated list of one kind of document; published only, even for staff."""

    paginate_by = 24
    paginator_class = NearEndPaginator
    cached_page = pagecache.CachedPage(query=("page",))

    def get_queryset(self):
        pagecache.depends(self.request, pagecache.DOCUMENTS)
        # The primary key breaks ties, so that the last pages can be read backwards.
        return self.model.objects.published().only(*CARD_FIELDS).order_by("title", "pk")


class DocumentDetailView(DetailView):
    """One article or nutrient page with its numbered citations and reference list.

    A public page is served as kept whole in the database when still current
    (``pagebody.stored_page``); otherwise its body comes stored with the page's row, only the
    related lists are rendered, and the page is kept for the next reader (``pagebody.kept``).
    Staff may preview drafts and scheduled pages (shown with a banner); others get 404.
    """

    cached_page = pagecache.CachedPage()

    def get_queryset(self):
        return pagebody.for_request(self.request, self.model)

    def get_object(self, queryset=None):
        if queryset is None:
            document = pagebody.for_reader(self.request, self.model, self.kwargs[self.slug_url_kwarg])
            if document is not None:
                return document
        # Signed in, or no such public page (the 404 is DetailView's own).
        return super().get_object(queryset)

    def get(self, request, *args, **kwargs):
        self.object = document = self.get_object()
        page = pagebody.stored_page(request, document)
        if page is not None:
            self._depends(document.body_tokens)
            return HttpResponse(page)
        return pagebody.kept(
            request,
            document,
            lambda: self.render_to_response(self.get_context_data(object=document)).render(),
        )

    def _depends(self, body_tokens) -> None:
        # The related lists show other pages: any page's change may change them.
        pagecache.depends(self.request, *body_tokens, pagecache.DOCUMENTS)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = self.object
        body = pagebody.body_of(self.request, document)
        slots = pagebody.slots_of(document, body.links)
        context["body"] = body.html(slots)
        context["description"], context["share"] = body.description, mark_safe(body.share)
        self._depends(body.tokens)
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.is_public:
            # An editor's preview: kept by no browser history, proxy or shared cache.
            patch_cache_control(response, private=True, no_store=True)
        return response


class ArticleList(PublishedListView):
    model = Article


class NutrientList(PublishedListView):
    model = Nutrient


class ArticleDetail(DocumentDetailView):
    model = Article


class NutrientDetail(DocumentDetailView):
    model = Nutrient


@require_GET
def related_list(request: HttpRequest, source: type[Document], slug: str, kind: str) -> HttpResponse:
    """Every published page of one kind related to a page, paginated. Template: ``cramps/related_list.html``."""
    model = RELATED_KINDS.get(kind)
    if model is None:
        raise Http404("Related pages are articles or nutrients.")
    document = get_object_or_404(source.objects.visible_to(request.user).prefetch_related("tags"), slug=slug)
    page = Paginator(related_pages(document, model), PublishedListView.paginate_by).get_page(
        request.GET.get("page")
    )
    heading = f"{capfirst(model._meta.verbose_name_plural)} related to {document.title}"
    return render(
        request, "cramps/related_list.html", {"document": document, "page_obj": page, "heading": heading}
    )


@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    """2–4 nutrients side by side (``?nutrients=a,b,c``) and the form to choose them (``?with=a`` ticks one).

    Built by ``cramps.compare`` from the structured fields; template ``cramps/compare.html``.
    Too few or too many nutrients is a 400, an unknown or unpublished one a 404, each with the
    form to choose again.
    """
    slugs = requested_slugs(request.GET.getlist("nutrients"))
    context = {
        "choices": Nutrient.objects.published().order_by("title"),
        # ``with`` only ticks a nutrient in the form (a nutrient page's "compare" link).
        "chosen": {*slugs, *requested_slugs(request.GET.getlist("with"))},
        "min_nutrients": MIN_NUTRIENTS,
        "max_nutrients": MAX_NUTRIENTS,
        "comparison": None,
    }
    status = 200
    if "nutrients" in request.GET:
        try:
            nutrients = comparison_nutrients(slugs, Nutrient.objects.visible_to(request.user))
        except ComparisonRefused as refusal:
            context["error"], status = refusal.message, refusal.status
        else:
            context["comparison"] = comparison_build(nutrients)
            query = urlencode({"nutrients": ",".join(slugs)})
            context["handout_url"] = f"{reverse('compare-handout')}?{query}"
    response = render(request, "cramps/compare.html", context, status=status)
    if context["comparison"] and not all(nutrient.is_public for nutrient in context["comparison"].nutrients):
        patch_cache_control(response, private=True, no_store=True)
    return response


@pagecache.cached_page
@require_GET
def tag_list(request: HttpRequest) -> HttpResponse:
    """Every tag in use on published content. Template: ``cramps/tag_list.html``."""
    pagecache.depends(request, pagecache.DOCUMENTS)
    return render(request, "cramps/tag_list.html", {"tags": published_tags()})


def _tagged(model: type[Document], tag: Tag):
    """Published ``model`` pages carrying ``tag``, as ``pk IN (the tag's rows)``.

    taggit's ``filter(tags=tag)`` joins on ``object_id`` cast to the page's key type, which no
    index serves from the page's side: PostgreSQL then joins every page to every row of the tag
    and sorts them all (about 30 ms for a tag on 3,000 of 10,000 articles). This form lets it
    walk the title index and look each page up in the tag rows, reading a page's worth.
    """
    rows = TaggedItem.objects.filter(tag=tag, content_type=ContentType.objects.get_for_model(model))
    return model.objects.published().filter(pk__in=rows.values("object_id"))


@pagecache.cached_page
@require_GET
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Published articles and nutrients carrying one tag, a page of each (``?page=``).

    Template: ``cramps/tag_detail.html``.
    """
    pagecache.depends(request, pagecache.DOCUMENTS)
    tag = get_object_or_404(Tag.objects.only("name", "slug"), slug=slug)
    articles, nutrients = (
        _page_of(request, _tagged(model, tag).only(*CARD_FIELDS).order_by("title", "pk"), 24)
        for model in (Article, Nutrient)
    )
    if not articles.paginator.count and not nutrients.paginator.count:
        raise Http404("No published page carries this tag.")
    page_obj = max(articles, nutrients, key=lambda page: page.paginator.num_pages)
    return render(
        request,
        "cramps/tag_detail.html",
        {"tag": tag, "articles": articles, "nutrients": nutrients, "page_obj": page_obj},
    )


@require_GET
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Crawlers may read every public page but the admin, search results and combined handouts
    (each a new render); the sitemap lists the pages."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        f"Disallow: {reverse('search')}",
        f"Disallow: {reverse('combined-handout')}",
        f"Sitemap: {public_url(request, reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def _cache_ok() -> bool:
    """A write and a read back: with Redis down both quietly fail (errors are ignored)."""
    token = uuid.uuid4().hex
    cache.set("healthz", token, timeout=10)
    return cache.get("healthz") == token


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The database and the cache, reported separately, for load balancers and monitoring.

    503 only when the site cannot serve (no database). Without its cache the site still
    serves, more slowly: 200, "degraded".
    """
    database, cache_ = _database_ok(), _cache_ok()
    status = "ok" if database and cache_ else "degraded" if database else "unavailable"
    body = {
        "status": status,
        "database": "ok" if database else "unavailable",
        "cache": "ok" if cache_ else "unavailable",
    }
    return JsonResponse(body, status=200 if database else 503)


class ReferenceList(ListView):
    """All references, searchable by author, title, year, PMID or DOI (``?q=``)."""

    model = Reference
    paginate_by = 50
    paginator_class = NearEndPaginator
    template_name = "references/reference_list.html"
    cached_page = pagecache.CachedPage(query=("q", "page"))

    def get_queryset(self):
        # Keys only: a page far into the list reads 50 whole rows, not all the rows before it.
        pagecache.depends(self.request, pagecache.REFERENCES)
        return (
            Reference.objects.search(self.request.GET.get("q", ""))
            .order_by("key")
            .values_list("pk", flat=True)
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pks = list(context["page_obj"].object_list)
        found = Reference.objects.in_bulk(pks)
        page = [found[pk] for pk in pks if pk in found]
        entries = formatted_entries(page)
        context["rows"] = [(reference, entries[reference.pk]) for reference in page]
        context["query"] = query = self.request.GET.get("q", "")
        if len(query.split()) > SEARCH_MAX_TERMS:
            searched = " ".join(search_terms(query))
            context["search_note"] = (
                f"Only the first {SEARCH_MAX_TERMS} words were searched for: “{searched}”."
            )
        return context


@pagecache.cached_page
@require_GET
def reference_detail(request: HttpRequest, key: str) -> HttpResponse:
    """One reference: its study summary (numbered citations of the works it cites), formatted
    entry, identifiers and the published pages citing it (at most ``CITED_BY_LIMIT``, the rest
    counted). Every reference has a page, whoever cites it; drafts citing it are never named.
    Template: ``references/reference_detail.html``."""
    reference = get_object_or_404(Reference, key=key)
    summary_keys = cited_keys([reference.summary])
    pagecache.depends(
        request,
        pagecache.reference_token(key),
        *(pagecache.reference_token(cited) for cited in summary_keys),
        pagecache.DOCUMENTS,
    )
    citing = citing_pages(reference)
    cited_by = citing[:CITED_BY_LIMIT]
    return render(
        request,
        "references/reference_detail.html",
        {
            "reference": reference,
            "entry": formatted_entries([reference])[reference.pk],
            "cited_by": cited_by,
            "cited_by_more": len(citing) - len(cited_by),
            "citations": keys_citation_context(summary_keys),
        },
    )


# A reading list's files: the format's name in ``references.formats``, and the file's extension.
READING_LIST_FILES = {"ris": ("ris", "ris"), "bib": ("bibtex", "bib")}
READING_LIST_MAX = 200


def _reading_list_refused(request: HttpRequest, status: int, message: str) -> HttpResponse:
    context = {"heading": "This reading list cannot be made", "message": message, "status": status}
    return render(request, "references/reading_list_error.html", context, status=status)


@require_GET
def reading_list(request: HttpRequest) -> HttpResponse:
    """The references ticked on the reference list (``keys``, in that order) as a reading list:
    ``format=pdf`` (the references as the studies of one handout, in the site's citation style),
    ``ris`` or ``bib`` (for a citation manager). Errors: ``references/reading_list_error.html``."""
    keys = list(
        dict.fromkeys(key.strip() for value in request.GET.getlist("keys") for key in value.split(","))
    )
    keys = [key for key in keys if key]
    chosen = request.GET.get("format", "pdf")
    if chosen != "pdf" and chosen not in READING_LIST_FILES:
        return _reading_list_refused(request, 400, f"Unknown format “{chosen}”: choose pdf, ris or bib.")
    if not keys:
        return _reading_list_refused(
            request, 400, "Tick at least one reference on the list, then download again."
        )
    limit = MAX_PARTS if chosen == "pdf" else READING_LIST_MAX
    if len(keys) > limit:
        return _reading_list_refused(
            request,
            400,
            f"A {chosen.upper()} reading list holds at most {limit} references; {len(keys)} were ticked.",
        )
    found = Reference.objects.in_bulk(keys, field_name="key")
    if missing := [key for key in keys if key not in found]:
        return _reading_list_refused(
            request, 404, f"There is no reference “{missing[0]}”. Untick it and try again."
        )
    if chosen == "pdf":
        items = [("items", f"reference:{key}") for key in keys]
        return redirect(f"{reverse('combined-handout')}?{urlencode(items)}")
    name, extension = READING_LIST_FILES[chosen]
    file_format = FORMATS[name]
    text = file_format.dump([found[key].record for key in keys])
    response = HttpResponse(text, content_type=f"{file_format.content_type}; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"cramps-reading-list.{extension}")
    return response
