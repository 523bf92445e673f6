"""Public pages. Every query for content goes through ``DocumentQuerySet.published`` or
``visible_to`` so that drafts and scheduled pages never leak."""

import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from references.bibliography import formatted_entries
from references.models import SEARCH_MAX_TERMS, Reference, search_terms

from . import pagecache
from .citing import citation_context
from .models import Article, Nutrient


def published_tags():
    """Tags carried by at least one published article or nutrient, A–Z, with counts."""
    articles = Article.objects.published()
    nutrients = Nutrient.objects.published()
    return (
        Tag.objects.annotate(
            article_count=Count("article", filter=Q(article__in=articles), distinct=True),
            nutrient_count=Count("nutrient", filter=Q(nutrient__in=nutrients), distinct=True),
        )
        .filter(Q(article_count__gt=0) | Q(nutrient_count__gt=0))
        .order_by("name")
    )


@pagecache.cached_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Featured articles, all nutrients and the tag index. Template: ``cramps/home.html``."""
    pagecache.depends(request, pagecache.DOCUMENTS)
    articles = Article.objects.published().order_by("-featured", "-updated")[:6]
    nutrients = Nutrient.objects.published().order_by("title")
    return render(
        request,
        "cramps/home.html",
        {"articles": articles, "nutrients": nutrients, "tags": published_tags()},
    )


class PublishedListView(ListView):
    """A paginated list of one kind of document; published only, even for staff."""

    paginate_by = 24
    cached_page = pagecache.CachedPage(query=("page",))

    def get_queryset(self):
        pagecache.depends(self.request, pagecache.DOCUMENTS)
        return self.model.objects.published().prefetch_related("tags").order_by("title")


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
        Prefetch("related_nutrients", queryset=Nutrient.objects.published().order_by("title")),
    )


class NutrientDetail(DocumentDetailView):
    model = Nutrient
    prefetch = (
        "food_sources",
        "interactions",
        Prefetch(
            "articles", queryset=Article.objects.published().order_by("title"), to_attr="published_articles"
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
    """Published articles and nutrients carrying one tag. Template: ``cramps/tag_detail.html``."""
    pagecache.depends(request, pagecache.DOCUMENTS)
    tag = get_object_or_404(Tag, slug=slug)
    articles = Article.objects.published().filter(tags=tag).order_by("title")
    nutrients = Nutrient.objects.published().filter(tags=tag).order_by("title")
    if not articles and not nutrients:
        raise Http404("No published page carries this tag.")
    return render(
        request, "cramps/tag_detail.html", {"tag": tag, "articles": articles, "nutrients": nutrients}
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
        pagecache.depends(self.request, pagecache.REFERENCES)
        return Reference.objects.search(self.request.GET.get("q", "")).order_by("key")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"].object_list
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
    cited_by = [
        *Article.objects.published().filter(citations__reference=reference).order_by("title"),
        *Nutrient.objects.published().filter(citations__reference=reference).order_by("title"),
    ]
    return render(
        request,
        "references/reference_detail.html",
        {"reference": reference, "entry": formatted_entries([reference])[reference.pk], "cited_by": cited_by},
    )
