"""Bumping the page cache's versions whenever what a page shows changes, whatever path changed it.

Connected by ``CrampsConfig.ready()``. A page's token moves when its row, an inline row, a tag,
a related page or its citation rows change (``cramps.citing.citations_sync`` bumps for the
rows); a reference's, and those of the pages citing it, when it is saved, deleted or written
by an import. Every document change
also moves ``DOCUMENTS`` (lists) and the tokens of its related pages (they list it); every
reference change moves ``REFERENCES``. These run whether or not the page cache is on: the
stored page bodies (``cramps.pagebody``) follow the same document tokens. ``QuerySet.update()`` and ``bulk_create()`` send no
signals: code using them on content bumps itself (``make_scale_data`` clears the cache).
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from taggit.models import Tag, TaggedItem

from references.models import Reference
from references.signals import references_written

from ..models import Article, Citation, Document, Nutrient
from ..services import DOCUMENT_MODELS, INLINES
from ..signals import document_changed, document_published
from .core import DOCUMENTS, REFERENCES, bump, document_token, reference_token


def document_tokens(document: Document) -> list[str]:
    """The document's own token, its related pages' (they list it) and ``DOCUMENTS``."""
    tokens = [document_token(document), DOCUMENTS]
    if document.pk is None:
        return tokens
    if isinstance(document, Article):
        related = Nutrient.objects.filter(articles=document.pk)
    elif isinstance(document, Nutrient):
        related = Article.objects.filter(related_nutrients=document.pk)
    else:
        return tokens
    tokens += [document_token(page) for page in related.only("pk")]
    return tokens


def document_bump(document: Document) -> None:
    bump(*document_tokens(document))


def _document_changed(sender, document: Document, **kwargs) -> None:
    document_bump(document)


def _document_saved(sender, instance: Document, **kwargs) -> None:
    document_bump(instance)


def _document_deleting(sender, instance: Document, **kwargs) -> None:
    # Related pages are known only before the rows linking them go.
    instance._pagecache_tokens = document_tokens(instance)


def _document_deleted(sender, instance: Document, **kwargs) -> None:
    bump(*getattr(instance, "_pagecache_tokens", [document_token(instance), DOCUMENTS]))


def _inline_changed(parent_field: str):
    def receiver(sender, instance, raw: bool = False, **kwargs) -> None:
        model = instance._meta.get_field(parent_field).related_model
        bump(document_token(model(pk=getattr(instance, f"{parent_field}_id"))), DOCUMENTS)

    return receiver


def _tagged_item_changed(sender, instance: TaggedItem, **kwargs) -> None:
    model = ContentType.objects.get_for_id(instance.content_type_id).model_class()
    if model in DOCUMENT_MODELS:
        bump(document_token(model(pk=instance.object_id)), DOCUMENTS)


def _tag_saved(sender, instance: Tag, raw: bool = False, **kwargs) -> None:
    """A renamed tag shows on every page carrying it."""
    tokens = [DOCUMENTS]
    for content_type_id, object_id in TaggedItem.objects.filter(tag=instance).values_list(
        "content_type_id", "object_id"
    ):
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model in DOCUMENT_MODELS:
            tokens.append(document_token(model(pk=object_id)))
    bump(*tokens)


def _related_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    other = Article if reverse else Nutrient
    tokens = [document_token(instance), DOCUMENTS]
    if action == "pre_clear":
        field = "related_nutrients" if reverse else "articles"
        pk_set = other.objects.filter(**{field: instance.pk}).values_list("pk", flat=True)
    tokens += [document_token(other(pk=pk)) for pk in pk_set or ()]
    bump(*tokens)


def _reference_renaming(sender, instance: Reference, raw: bool = False, **kwargs) -> None:
    if not raw and instance.pk is not None:
        instance._pagecache_old_key = instance.stored_key()


def _citing_tokens(references) -> list[str]:
    """The tokens of the pages citing ``references`` (their handouts and reference lists show it)."""
    rows = Citation.objects.filter(reference__in=references).values_list("content_type_id", "object_id")
    return [
        document_token(ContentType.objects.get_for_id(content_type_id).model_class()(pk=object_id))
        for content_type_id, object_id in rows.distinct()
    ]


def _reference_changed(sender, instance: Reference, **kwargs) -> None:
    keys = {instance.key, getattr(instance, "_pagecache_old_key", None) or instance.key}
    bump(REFERENCES, *(reference_token(key) for key in keys), *_citing_tokens([instance.pk]))


def _references_written(sender, created: list[str] = (), updated: list[str] = (), **kwargs) -> None:
    keys = [*created, *updated]
    citing = _citing_tokens(Reference.objects.filter(key__in=keys).values("pk"))
    bump(REFERENCES, *(reference_token(key) for key in keys), *citing)


def connect() -> None:
    for model in DOCUMENT_MODELS:
        label = model.__name__
        post_save.connect(_document_saved, sender=model, dispatch_uid=f"pagecache-{label}-saved")
        pre_delete.connect(_document_deleting, sender=model, dispatch_uid=f"pagecache-{label}-deleting")
        post_delete.connect(_document_deleted, sender=model, dispatch_uid=f"pagecache-{label}-deleted")
        for name in INLINES[model]:
            relation = getattr(model, name)
            receiver = _inline_changed(relation.field.name)
            inline = relation.rel.related_model
            post_save.connect(receiver, sender=inline, weak=False, dispatch_uid=f"pagecache-{name}-saved")
            post_delete.connect(receiver, sender=inline, weak=False, dispatch_uid=f"pagecache-{name}-deleted")
    document_changed.connect(_document_changed, dispatch_uid="pagecache-document-changed")
    document_published.connect(_document_changed, dispatch_uid="pagecache-document-published")
    post_save.connect(_tagged_item_changed, sender=TaggedItem, dispatch_uid="pagecache-tagged-saved")
    post_delete.connect(_tagged_item_changed, sender=TaggedItem, dispatch_uid="pagecache-tagged-deleted")
    post_save.connect(_tag_saved, sender=Tag, dispatch_uid="pagecache-tag-saved")
    m2m_changed.connect(
        _related_changed, sender=Article.related_nutrients.through, dispatch_uid="pagecache-related"
    )
    pre_save.connect(_reference_renaming, sender=Reference, dispatch_uid="pagecache-reference-renaming")
    post_save.connect(_reference_changed, sender=Reference, dispatch_uid="pagecache-reference-saved")
    post_delete.connect(_reference_changed, sender=Reference, dispatch_uid="pagecache-reference-deleted")
    references_written.connect(_references_written, dispatch_uid="pagecache-references-written")
