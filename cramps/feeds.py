"""The Atom feed of new and updated articles (``/feed/``)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed

from .models import Article
from .templatetags.cramps import teaser

FEED_ITEMS = 30


class ArticleFeed(Feed):
    """The ``FEED_ITEMS`` most recently changed published articles, newest first."""

    feed_type = Atom1Feed
    link = "/articles/"

    def title(self) -> str:
        return f"{settings.CRAMPS_SITE_NAME}: new and updated articles"

    def subtitle(self) -> str:
        return "Cited, plain-language articles about muscle cramps, neuropathy and nutrition."

    def items(self):
        columns = ("pk", "title", "slug", "summary_html", "updated", "created", "publish_at")
        return Article.objects.published().order_by("-updated", "-pk").only(*columns)[:FEED_ITEMS]

    def item_title(self, article: Article) -> str:
        return article.title

    def item_description(self, article: Article) -> str:
        return teaser(article.summary_html)

    def item_pubdate(self, article: Article):
        return article.publish_at or article.created

    def item_updateddate(self, article: Article):
        return article.updated
