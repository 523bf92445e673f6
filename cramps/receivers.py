"""Keeping derived data in step with the text, whatever path saved it.

Connected by ``CrampsConfig.ready()``:

- saving a document, or saving or deleting one of its inline rows, re-syncs the document's
  citation rows (``citing.citations_refresh``: now, or once per block in ``citations_batch``);
  this covers the admin, the services, the shell and any other code that calls ``save()`` or
  ``delete()``, including ``QuerySet.delete()`` of inline rows;
- a raw save (``loaddata``, a django-reversion restore), which may not touch other rows while
  it runs, repairs the document's HTML and rows once its transaction commits;
- a new reference (saved, or created by a bulk import) gives rows to the pages that already
  cite its key;
- every change to what a page shows marks its stored body stale (``pagecache.bump`` →
  ``pagebody.invalidate``);
- a reference's study summary is rendered to ``summary_html`` whenever it is saved (raw too);
- a reference whose key pages cite cannot be renamed (the admin form says so via
  ``references.signals.reference_key_changing``; other code gets ``ProtectedError``);
- after ``migrate``, pages whose cached HTML or citation rows a data migration (or a renderer
  change) left stale are refreshed (``services.documents_repair``).

``QuerySet.update()`` and ``bulk_create()`` bypass all of these; whatever they leave stale,
``check_citations`` reports and ``check_citations --fix`` repairs.
"""

import re
import threading

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError, Q
from django.db.models.signals import post_delete, post_migrate, post_save, pre_delete, pre_save

from references.models import Reference
from references.signals import reference_key_changing, references_written

from .citing import citations_batch, citations_refresh, cited_key_refusal
from .pagebody import invalidate_all
from .services import (
    DOCUMENT_MODELS,
    INLINES,
    document_repair,
    documents_repair,
    study_summaries_repair,
    study_summary_html,
)
from .validators import validate_markdown

# Documents being deleted in this thread: their inline rows' deletion must not re-sync them.
_deleting = threading.local()


def _documents_being_deleted() -> set:
    if not hasattr(_deleting, "keys"):
        _deleting.keys = set()
    return _deleting.keys


def _document_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    if raw:
        _repair_on_commit(sender, instance.pk)
    else:
        citations_refresh(document=instance)


def _repair_on_commit(model, pk: int) -> None:
    def repair() -> None:
        document = model.objects.filter(pk=pk).first()
        if document is not None:
            document_repair(document=document)

    transaction.on_commit(repair)


def _document_deleting(sender, instance, **kwargs) -> None:
    _documents_being_deleted().add((sender, instance.pk))


def _document_deleted(sender, instance, **kwargs) -> None:
    _documents_being_deleted().discard((sender, instance.pk))


def _inline_changed(parent_model, parent_field: str):
    def receiver(sender, instance, raw: bool = False, **kwargs) -> None:
        if raw:
            _repair_on_commit(parent_model, getattr(instance, f"{parent_field}_id"))
            return
        parent = getattr(instance, parent_field, None)
        if parent is not None and (type(parent), parent.pk) not in _documents_being_deleted():
            citations_refresh(document=parent)

    return receiver


def _reference_renaming(sender, instance: Reference, raw: bool = False, **kwargs) -> None:
    if raw or instance.pk is None:
        return
    old_key = instance.stored_key()
    instance._cramps_new_key = old_key != instance.key
    if old_key not in (None, instance.key) and (refusal := cited_key_refusal(instance, old_key)):
        raise ProtectedError(refusal, set(instance.citations.all()))


def _reference_summary_rendered(sender, instance: Reference, **kwargs) -> None:
    """A reference's study summary is Markdown the content app renders, on every save (raw too)."""
    instance.summary_html = study_summary_html(instance.summary)


def _refuse_cited_rename(sender, reference: Reference, old_key: str, **kwargs) -> str | None:
    return cited_key_refusal(reference, old_key)


def _reference_saved(sender, instance: Reference, created: bool, raw: bool = False, **kwargs) -> None:
    """Pages that cite a key before its reference exists get their rows once it does."""
    if raw or not (created or getattr(instance, "_cramps_new_key", False)):
        return
    _refresh_pages_mentioning([instance.key])


def _references_written(sender, created: list[str], **kwargs) -> None:
    """The same for references a bulk import created (``bulk_create`` sends no ``post_save``)."""
    _refresh_pages_mentioning(created)


# Up to this many keys, the database finds the pages that mention them (one LIKE each);
# beyond, one streamed pass over the Markdown does, so the queries do not grow with the keys.
MENTION_QUERY_KEYS = 100
_KEY_TOKEN = re.compile(r"[A-Za-z0-9_-]+")


def _refresh_pages_mentioning(keys: list[str]) -> None:
    find = _pages_mentioning_query if len(keys) <= MENTION_QUERY_KEYS else _pages_mentioning_scan
    with citations_batch():
        for model in DOCUMENT_MODELS:
            for document in model.objects.filter(pk__in=find(model, keys)):
                citations_refresh(document=document)


def _owned_rows(model):
    """(model, field naming the page) for the document model itself and each of its inlines."""
    yield model, "pk"
    for relation in INLINES[model]:
        inline = getattr(model, relation)
        yield inline.rel.related_model, inline.field.attname


def _pages_mentioning_query(model, keys: list[str]) -> set[int]:
    pks = set()
    for rows_model, owner in _owned_rows(model):
        pks.update(rows_model.objects.filter(_mentions(rows_model, keys)).values_list(owner, flat=True))
    return pks


def _pages_mentioning_scan(model, keys: list[str]) -> set[int]:
    wanted, pks = set(keys), set()
    for rows_model, owner in _owned_rows(model):
        rows = rows_model.objects.values_list(owner, *_markdown_fields(rows_model)).iterator(chunk_size=1000)
        pks.update(
            pk for pk, *texts in rows if any(not wanted.isdisjoint(_KEY_TOKEN.findall(t)) for t in texts)
        )
    return pks


def _mentions(model, keys: list[str]) -> Q:
    """Rows whose Markdown holds one of ``keys`` somewhere (a cheap superset of those citing it)."""
    condition = Q()
    for name in _markdown_fields(model):
        for key in keys:
            condition |= Q(**{f"{name}__contains": key})
    return condition


def _markdown_fields(model) -> list[str]:
    return [field.name for field in model._meta.fields if validate_markdown in field.validators]


def _repair_after_migrate(sender, plan=None, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Only after a full forward ``migrate``: the models then match the database."""
    if plan is None or any(backwards for _, backwards in plan):
        return
    executor = MigrationExecutor(connections[using])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        return
    documents_repair()
    study_summaries_repair()
    # A data migration may have changed content with ``update()``, which bumps nothing.
    invalidate_all()


def connect(app_config) -> None:
    for model in DOCUMENT_MODELS:
        post_save.connect(_document_saved, sender=model, dispatch_uid=f"citations-{model.__name__}-saved")
        pre_delete.connect(
            _document_deleting, sender=model, dispatch_uid=f"citations-{model.__name__}-deleting"
        )
        post_delete.connect(
            _document_deleted, sender=model, dispatch_uid=f"citations-{model.__name__}-deleted"
        )
        for name in INLINES[model]:
            relation = getattr(model, name)
            inline, parent_field = relation.rel.related_model, relation.field.name
            receiver = _inline_changed(model, parent_field)
            post_save.connect(receiver, sender=inline, weak=False, dispatch_uid=f"citations-{name}-saved")
            post_delete.connect(receiver, sender=inline, weak=False, dispatch_uid=f"citations-{name}-deleted")
    pre_save.connect(_reference_renaming, sender=Reference, dispatch_uid="citations-reference-renaming")
    pre_save.connect(_reference_summary_rendered, sender=Reference, dispatch_uid="reference-summary-rendered")
    post_save.connect(_reference_saved, sender=Reference, dispatch_uid="citations-reference-saved")
    references_written.connect(_references_written, dispatch_uid="citations-references-written")
    reference_key_changing.connect(_refuse_cited_rename, dispatch_uid="citations-refuse-cited-rename")
    post_migrate.connect(
        _repair_after_migrate, sender=app_config, dispatch_uid="documents-repair-after-migrate"
    )
