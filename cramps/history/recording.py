"""Every committed change to an article, nutrient or reference keeps a version (django-reversion).

One mechanism serves every path, so no path has to remember it: receivers note which page or
reference changed (its own save, or ``Document.touch`` for an inline row, tag or related page),
and once the transaction commits a revision is written with who did it and why. Waiting for the
commit (``transaction.on_commit``) means a rolled-back dry run never leaves a version. A version
is kept only when the object differs from its last one (reversion's ``ignore_duplicates``; a
page's ``updated`` stamp moves with any change to its content), so a no-op save keeps none.

Who and why come from ``history_origin``: the request middleware opens one for every request,
commands open their own, and anything else is put down to the running management command (or to
a script). ``history_note`` adds the reason for one object, e.g. the admin's change message.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial

import reversion
from django.core.management.base import BaseCommand
from django.db import router, transaction
from django.db.models.signals import post_save, pre_delete
from django.http import HttpRequest
from taggit.models import Tag, TaggedItem

from references.models import Reference
from references.signals import references_written

from .. import signals
from ..models import (
    FAQ,
    Article,
    Citation,
    FoodSource,
    IntakeValue,
    Interaction,
    KeyPoint,
    Nutrient,
    NutrientForm,
)
from ..services import INLINES

# The objects that have a history of their own; the rest are kept as part of them.
VERSIONED = (Article, Nutrient, Reference)

# What a request did, by the end of its URL name (admin views name their own changes).
REQUEST_COMMENTS = (
    ("_import_content", "Imported from a content file in the admin"),
    ("_import_progress", "Imported from a file in the admin"),
    ("_import", "Imported from a file in the admin"),
    ("_lookup", "Added by PMID/DOI look-up in the admin"),
)


@dataclass
class Origin:
    """Who is changing content, and why, for the versions the current work leaves."""

    user: object = None  # a User (or the request's lazy user); None for commands and scripts
    comment: str = ""
    request: HttpRequest | None = None
    notes: dict[tuple[type, str], list[str]] = field(default_factory=dict)
    # Outside a request, what is running now (the command may be over when versions are written).
    process: str = ""

    def __post_init__(self) -> None:
        if self.request is None and not self.process:
            self.process = _process_comment()

    @property
    def author(self):
        user = self.user
        return user if user is not None and getattr(user, "is_authenticated", False) else None

    def comment_for(self, obj) -> str:
        """The notes on ``obj``, after the origin's own comment if it has one."""
        notes = "; ".join(dict.fromkeys(self.notes.get(_key(obj), [])))
        if self.comment:
            return f"{self.comment}: {notes}" if notes else self.comment
        if notes:
            return notes
        return _request_comment(self.request) if self.request is not None else self.process


_origin: ContextVar[Origin | None] = ContextVar("cramps_history_origin", default=None)


@contextmanager
def history_origin(*, user=None, comment: str = "", request: HttpRequest | None = None) -> Iterator[Origin]:
    """Versions written for changes made inside this block name ``user`` and ``comment``."""
    origin = Origin(user=user, comment=comment, request=request)
    token = _origin.set(origin)
    try:
        yield origin
    finally:
        _origin.reset(token)


@contextmanager
def history_origin_for(*, user) -> Iterator[Origin]:
    """The open origin, or, when none is open (a script, a test), one naming ``user``."""
    origin = _origin.get()
    if origin is not None:
        yield origin
        return
    with history_origin(user=user) as origin:
        yield origin


def history_note(obj, note: str) -> None:
    """Say why ``obj`` changed ("Published", the admin's change message); its version's comment."""
    origin = _origin.get()
    if origin is not None:
        origin.notes.setdefault(_key(obj), []).append(note)


def current_origin() -> Origin:
    """The open origin, or one naming the running command (found now: versions are written later)."""
    return _origin.get() or Origin()


def _key(obj) -> tuple[type, str]:
    return type(obj), str(obj.pk)


def _request_comment(request: HttpRequest) -> str:
    match = request.resolver_match
    name = match.url_name or "" if match else ""
    for suffix, comment in REQUEST_COMMENTS:
        if name.endswith(suffix):
            return comment
    return f"Saved through {request.path}"


def _process_comment() -> str:
    command = running_command()
    return f"Saved by the {command} command" if command else "Saved outside a request or command"


def running_command() -> str:
    """The name of the management command this code runs inside, or "" (works for call_command too)."""
    frame = sys._getframe(1)
    while frame is not None:
        candidate = frame.f_locals.get("self")
        if isinstance(candidate, BaseCommand):
            return type(candidate).__module__.rsplit(".", 1)[-1]
        frame = frame.f_back
    return ""


# Writing versions ---------------------------------------------------------------------------------


def version_write(*, obj, origin: Origin) -> None:
    """Keep a version of ``obj`` as the database holds it now, unless it equals the last one."""
    with reversion.create_revision(manage_manually=True):
        reversion.set_user(origin.author)
        reversion.set_comment(origin.comment_for(obj))
        reversion.add_to_revision(obj)


def versions_write(*, objs, origin: Origin) -> None:
    """One revision holding a version of each of ``objs`` that differs from its last one."""
    with reversion.create_revision(manage_manually=True):
        reversion.set_user(origin.author)
        reversion.set_comment(origin.comment_for(objs[0]) if objs else "")
        for obj in objs:
            reversion.add_to_revision(obj)


def _write_committed(model: type, pk, origin: Origin) -> None:
    obj = model._base_manager.filter(pk=pk).first()
    if obj is not None:
        version_write(obj=obj, origin=origin)


def _changed(sender, instance, **kwargs) -> None:
    if instance.pk is None:
        return
    using = router.db_for_write(type(instance))
    transaction.on_commit(
        partial(_write_committed, type(instance), instance.pk, current_origin()), using=using
    )


def _deleting(sender, instance, **kwargs) -> None:
    """Before a delete: make sure the last version is the state being deleted, so it can be recovered."""
    version_write(obj=instance, origin=current_origin())


def _document_changed(sender, document, **kwargs) -> None:
    _changed(sender, document)


def _references_written(
    sender, created: list[str], updated: list[str], user=None, source="", **kwargs
) -> None:
    """A bulk import wrote these references (no ``post_save``): one revision for all of them.

    A background import runs in the task worker, outside the request that asked for it: the
    signal then names the user and what wrote the references."""
    keys, origin = [*created, *updated], current_origin()
    if origin.request is None and (user is not None or source):
        origin = Origin(user=user, comment=source or origin.process, process=origin.process)

    def write() -> None:
        references = list(Reference._base_manager.filter(key__in=keys).order_by("pk"))
        if references:
            versions_write(objs=references, origin=origin)

    transaction.on_commit(write, using=router.db_for_write(Reference))


def register_models() -> None:
    """Register what history keeps with reversion, and start listening for changes. Idempotent."""
    if reversion.is_registered(Article):
        return
    shared = ("tagged_items", "citations")
    # ``tags`` is taggit's manager, not a field reversion can store; ``tagged_items`` carries it.
    reversion.register(
        Article, exclude=("tags",), follow=("key_points", "faqs", *shared), ignore_duplicates=True
    )
    reversion.register(Nutrient, exclude=("tags",), follow=(*INLINES[Nutrient], *shared),
                       ignore_duplicates=True)  # fmt: skip
    for inline in (KeyPoint, FAQ, IntakeValue, FoodSource, NutrientForm, Interaction, Tag):
        reversion.register(inline)
    reversion.register(TaggedItem, follow=("tag",))
    # A page's version holds the references it cited then, so a restore can bring a deleted one back.
    reversion.register(Citation, follow=("reference",))
    reversion.register(Reference, ignore_duplicates=True)
    for model in VERSIONED:
        post_save.connect(_changed, sender=model, dispatch_uid=f"history-{model.__name__}")
        pre_delete.connect(_deleting, sender=model, dispatch_uid=f"history-delete-{model.__name__}")
    signals.document_changed.connect(_document_changed, dispatch_uid="history-touch")
    references_written.connect(_references_written, dispatch_uid="history-references-written")
