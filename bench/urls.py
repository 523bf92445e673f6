"""The site's URLs plus one baseline: a bare Django view rendering a page's stored HTML from one row."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import include, path

from cramps.models import Nutrient

# The site's own frame (base.html): what any page of the site costs to wrap, with nothing else.
BARE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}{{ title }}{% endblock %}{% block content %}{{ body|safe }}{% endblock %}'
)


def bare_page(request, slug: str) -> HttpResponse:
    """The nutrient page's stored body (``PageBody``, as the page stores it) from one row, in the site's frame."""
    row = get_object_or_404(Nutrient.objects.values("title", "page_bodies__parts"), slug=slug)
    return HttpResponse(
        BARE.render({"title": row["title"], "body": "".join(row["page_bodies__parts"] or [])}, request)
    )


urlpatterns = [path("bench/bare/<slug:slug>/", bare_page), path("", include("cramps.urls"))]
