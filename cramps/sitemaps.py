from django.contrib.sitemaps import Sitemap

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


SITEMAPS = {"articles": ArticleSitemap, "nutrients": NutrientSitemap}
