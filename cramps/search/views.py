from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from references.models import SEARCH_MAX_TERMS

from . import RESULTS_PER_PAGE, SEARCH_MAX_LENGTH, QueryTooLong, search_hits, search_query, site_search


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """``/search/?q=``: articles, nutrients (names and aliases) and references, ranked and paged.

    Template: ``cramps/search.html``. An empty query shows the form; one longer than
    ``SEARCH_MAX_LENGTH`` characters is refused with 400 and a message.
    """
    text = request.GET.get("q", "")
    context = {"query": text[:SEARCH_MAX_LENGTH], "max_length": SEARCH_MAX_LENGTH}
    try:
        query = search_query(text)
    except QueryTooLong as error:
        context["error"] = str(error)
        return render(request, "cramps/search.html", context, status=400)
    page = Paginator(site_search(query, request.user), RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    context.update(
        searched=bool(query),
        page_obj=page,
        hits=search_hits(list(page.object_list), query),
        words_note=(
            f"Only the first {SEARCH_MAX_TERMS} words were searched for." if query.words_dropped else ""
        ),
    )
    return render(request, "cramps/search.html", context)
