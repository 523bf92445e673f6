"""The sitemap index (``/sitemap.xml``) and its sections, paginated (``?p=``), published only.

Each section reads only the columns its URLs need, and finds its last change with one
aggregate instead of loading every row.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from references.models import Reference

from .citing import published_citations
from .models import Article, Nutrient
from .sharing import public_domain_and_protocol

URLS_PER_SITEMAP = 5000


class PublicSitemap(Sitemap):
    """Addresses on ``CRAMPS_SITE_URL`` when it is set, else on the host requested."""

    limit = URLS_PER_SITEMAP

    def get_domain(self, site=None):
        public = public_domain_and_protocol()
        return public[0] if public else super().get_domain(site)

    def get_protocol(self, protocol=None):
        public = public_domain_and_protocol()
        return public[1] if public else super().get_protocol(protocol)


class DocumentSitemap(PublicSitemap):
    """Published pages of one model; ``lastmod`` is the last change."""

    model = None

    def items(self):
        return self.model.objects.published().order_by("pk").only("pk", "slug", "updated")

    def lastmod(self, document):
        return document.updated

    def get_latest_lastmod(self):
        return self.model.objects.published().aggregate(latest=Max("updated"))["latest"]


class ArticleSitemap(DocumentSitemap):
    model = Article


class NutrientSitemap(DocumentSitemap):
    model = Nutrient


class ReferenceSitemap(PublicSitemap):
    """Reference pages worth a search engine's visit: those a published page cites. Every
    reference has a page, but one cited by nothing published (or only by drafts) stays out."""

    def items(self):
        cited = published_citations().values("reference")
        return Reference.objects.filter(pk__in=cited).order_by("pk").only("pk", "key", "updated")

    def lastmod(self, reference):
        return reference.updated

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("updated"))["latest"]


class ListingSitemap(PublicSitemap):
    """The home page, the lists and the About page."""

    def items(self):
        return ["home", "article-list", "nutrient-list", "tag-list", "reference-list", "about"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": ListingSitemap,
    "articles": ArticleSitemap,
    "nutrients": NutrientSitemap,
    "references": ReferenceSitemap,
}
