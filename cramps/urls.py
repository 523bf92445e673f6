from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps_views
from django.urls import path

from . import about as about_views
from . import views
from .feeds import ArticleFeed
from .handouts import views as handout_views
from .models import Article, Nutrient
from .search import views as search_views
from .sitemaps import SITEMAPS

urlpatterns = [
    path("", views.home, name="home"),
    path("articles/", views.ArticleList.as_view(), name="article-list"),
    path("articles/<slug:slug>/", views.ArticleDetail.as_view(), name="article-detail"),
    path("articles/<slug:slug>/handout.pdf", handout_views.article_handout, name="article-handout"),
    path(
        "articles/<slug:slug>/related/<slug:kind>/",
        views.related_list,
        {"source": Article},
        name="article-related",
    ),
    path("nutrients/", views.NutrientList.as_view(), name="nutrient-list"),
    path("nutrients/<slug:slug>/", views.NutrientDetail.as_view(), name="nutrient-detail"),
    path("nutrients/<slug:slug>/handout.pdf", handout_views.nutrient_handout, name="nutrient-handout"),
    path("compare/", views.compare, name="compare"),
    path("compare/handout.pdf", handout_views.comparison_handout, name="compare-handout"),
    path(
        "nutrients/<slug:slug>/related/<slug:kind>/",
        views.related_list,
        {"source": Nutrient},
        name="nutrient-related",
    ),
    path("handout/", handout_views.handout_builder, name="handout-builder"),
    path("handout.pdf", handout_views.combined_handout, name="combined-handout"),
    path("references/", views.ReferenceList.as_view(), name="reference-list"),
    path("references/reading-list", views.reading_list, name="reading-list"),
    path("references/<slug:key>/", views.reference_detail, name="reference-detail"),
    path("references/<slug:key>/handout.pdf", handout_views.reference_handout, name="reference-handout"),
    path("search/", search_views.search, name="search"),
    path("about/", about_views.about, name="about"),
    path("tags/", views.tag_list, name="tag-list"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag-detail"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "sitemap.xml",
        sitemaps_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemaps_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap-section"),
    path("feed/", ArticleFeed(), name="feed"),
    path("robots.txt", views.robots_txt, name="robots-txt"),
    path("admin/", admin.site.urls),
]
