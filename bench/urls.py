"""The site's URLs plus one baseline: a bare Django view rendering a page's stored HTML from one row."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import include, path

from cramps.models import Nutrient

BARE = engines["django"].from_string(
    "<!doctype html><html lang=en><title>{{ title }}</title><main>{{ summary|safe }}{{ body|safe }}</main></html>"
)


def bare_page(request, slug: str) -> HttpResponse:
    """The same stored body as the nutrient page, from one row, in a minimal template."""
    row = get_object_or_404(Nutrient.objects.values("title", "summary_html", "body_html"), slug=slug)
    return HttpResponse(
        BARE.render({"title": row["title"], "summary": row["summary_html"], "body": row["body_html"]})
    )


urlpatterns = [path("bench/bare/<slug:slug>/", bare_page), path("", include("cramps.urls"))]
