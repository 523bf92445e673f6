from django.contrib.sitemaps import Sitemap

from references.models import Reference

from .citing import published_citations
from .models import Article, Nutrient


class DocumentSitemap(Sitemap):
    """Published pages of one model; ``lastmod`` is the last edit."""

    model = None

    def items(self):
        return self.model.objects.published().order_by("pk")

    def lastmod(self, document):
        return document.updated


class ArticleSitemap(DocumentSitemap):
    model = Article


class NutrientSitemap(DocumentSitemap):
    model = Nutrient


class ReferenceSitemap(Sitemap):
    """Reference pages worth a search engine's visit: those a published page cites. Every
    reference has a page, but one cited by nothing published (or only by drafts) stays out."""

    def items(self):
        return Reference.objects.filter(pk__in=published_citations().values("reference")).order_by("pk")

    def lastmod(self, reference):
        return reference.updated


SITEMAPS = {"articles": ArticleSitemap, "nutrients": NutrientSitemap, "references": ReferenceSitemap}
