"""Public pages. Every query for content goes through ``DocumentQuerySet.published`` or
``visible_to`` so that drafts and scheduled pages never leak."""

import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView
from taggit.models import Tag, TaggedItem

from references.bibliography import formatted_entries
from references.models import SEARCH_MAX_TERMS, Reference, search_terms

from . import pagecache
from .citing import citation_context
from .models import Article, Nutrient

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
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


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
    cached_page = pagecache.CachedPage(query=("page",))

    def get_queryset(self):
        pagecache.depends(self.request, pagecache.DOCUMENTS)
        return self.model.objects.published().only(*CARD_FIELDS).order_by("title")


class DocumentDetailView(DetailView):
    """One article or nutrient page with its numbered citations and reference list.

    Staff may preview drafts and scheduled pages (shown with a banner); others get 404.
    """

    prefetch: tuple = ()
    cached_page = pagecache.CachedPage()

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user).prefetch_related(
            "tags", "citations__reference", *self.prefetch
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        citations = list(self.object.citations.all())
        context["citations"] = citation_context(citations)
        pagecache.depends(
            self.request,
            pagecache.document_token(self.object),
            *(pagecache.reference_token(citation.reference.key) for citation in citations),
        )
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
    prefetch = (
        "key_points",
        "faqs",
        Prefetch(
            "related_nutrients", queryset=Nutrient.objects.published().only(*CARD_FIELDS).order_by("title")
        ),
    )


class NutrientDetail(DocumentDetailView):
    model = Nutrient
    prefetch = (
        "food_sources",
        "interactions",
        Prefetch(
            "articles",
            queryset=Article.objects.published().only(*CARD_FIELDS).order_by("title"),
            to_attr="published_articles",
        ),
    )


@pagecache.cached_page
@require_GET
def tag_list(request: HttpRequest) -> HttpResponse:
    """Every tag in use on published content. Template: ``cramps/tag_list.html``."""
    pagecache.depends(request, pagecache.DOCUMENTS)
    return render(request, "cramps/tag_list.html", {"tags": published_tags()})


@pagecache.cached_page
@require_GET
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Published articles and nutrients carrying one tag, a page of each (``?page=``).

    Template: ``cramps/tag_detail.html``.
    """
    pagecache.depends(request, pagecache.DOCUMENTS)
    tag = get_object_or_404(Tag.objects.only("name", "slug"), slug=slug)
    articles, nutrients = (
        _page_of(request, model.objects.published().filter(tags=tag).only(*CARD_FIELDS).order_by("title"), 24)
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
    """One reference, formatted, with its identifiers and the published pages citing it."""
    pagecache.depends(request, pagecache.reference_token(key), pagecache.DOCUMENTS)
    reference = get_object_or_404(Reference, key=key)
    citing = [
        model.objects.published().filter(citations__reference=reference).only(*CARD_FIELDS).order_by("title")
        for model in (Article, Nutrient)
    ]
    cited_by = [*citing[0][:CITED_BY_LIMIT], *citing[1][:CITED_BY_LIMIT]][:CITED_BY_LIMIT]
    more = sum(queryset.count() for queryset in citing) - len(cited_by)
    return render(
        request,
        "references/reference_detail.html",
        {
            "reference": reference,
            "entry": formatted_entries([reference])[reference.pk],
            "cited_by": cited_by,
            "cited_by_more": more,
        },
    )
