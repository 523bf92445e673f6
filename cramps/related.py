"""Related pages: articles ↔ nutrients ↔ tags, ranked, and at most ``RELATED_SHOWN`` on a page.

A page's related pages of one kind are the published pages linked to it by an editor (an
article's "related nutrients", both ways) first, then those sharing most of its tags (and, for
two articles, its related nutrients). Each list is one query, capped in the database; its
"more" link leads to the whole list, paginated (``views.related_list``).
"""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from taggit.models import TaggedItem

from .models import Article, Document, Nutrient

RELATED_SHOWN = 6
# An editor's link outweighs any number of shared tags.
LINK_WEIGHT = 1000


@dataclass(frozen=True)
class Links:
    """What relates a document to others: its tags and, for an article, its related nutrients (ids)."""

    tag_ids: list[int]
    nutrient_ids: list[int]

    @classmethod
    def of(cls, document: Document) -> "Links":
        nutrients = document.related_nutrients.all() if isinstance(document, Article) else ()
        return cls([tag.pk for tag in document.tags.all()], [nutrient.pk for nutrient in nutrients])


def related_pages(document: Document, model: type[Document], links: Links | None = None) -> QuerySet:
    """Published pages of ``model`` related to ``document``, best first (unsliced).

    ``links`` saves the queries for the document's own tags and related nutrients when known.
    """
    links = links or Links.of(document)
    tag_ids, nutrient_ids = links.tag_ids, links.nutrient_ids
    through = Article.related_nutrients.through.objects
    tagged = TaggedItem.objects.filter(content_type=ContentType.objects.get_for_model(model), tag__in=tag_ids)
    candidates = tagged.order_by().values("object_id")
    if isinstance(document, Article):
        if model is Nutrient:
            link = Q(pk__in=nutrient_ids)
            candidates = candidates.union(
                Nutrient.objects.filter(pk__in=nutrient_ids).order_by().values("pk")
            )
        else:
            link = Q(related_nutrients__in=nutrient_ids)
            candidates = candidates.union(
                through.filter(nutrient__in=nutrient_ids).order_by().values("article")
            )
    else:
        link = Q(related_nutrients=document) if model is Article else Q(pk__in=[])
        if model is Article:
            candidates = candidates.union(through.filter(nutrient=document).order_by().values("article"))
    shares_tags = Q(tags__in=tag_ids)
    return (
        model.objects.published()
        # The candidates' ids first, in one set: filtering on the joins alone, PostgreSQL joined
        # every published page to its links and tags before keeping the few related ones.
        .filter(pk__in=candidates)
        .filter(link | shares_tags)
        .exclude(pk=document.pk if isinstance(document, model) else None)
        .annotate(
            relatedness=LINK_WEIGHT * Count("pk", filter=link, distinct=True)
            + Count("tags", filter=shares_tags, distinct=True)
        )
        .order_by("-relatedness", "title")
        .only("pk", "title", "slug", "summary_html")
    )


@dataclass
class RelatedList:
    """Up to ``RELATED_SHOWN`` related pages of one kind, and where the rest are listed."""

    pages: list[Document]
    more_url: str

    def __bool__(self) -> bool:
        return bool(self.pages)


def related_shown(document: Document, model: type[Document], links: Links | None = None) -> RelatedList:
    """The first ``RELATED_SHOWN`` related pages (one query); ``more_url`` is set when there are more."""
    pages = list(related_pages(document, model, links)[: RELATED_SHOWN + 1])
    more = related_url(document, model) if len(pages) > RELATED_SHOWN else ""
    return RelatedList(pages[:RELATED_SHOWN], more)


RELATED_KINDS: dict[str, type[Document]] = {"articles": Article, "nutrients": Nutrient}


def related_url(document: Document, model: type[Document]) -> str:
    kind = next(name for name, kind_model in RELATED_KINDS.items() if kind_model is model)
    return reverse(f"{document._meta.model_name}-related", kwargs={"slug": document.slug, "kind": kind})
