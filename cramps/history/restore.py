"""Bringing back an earlier version of a page or reference, or one that was deleted.

A page's version is written back through the content writer (``transfer.document_write``):
fields, tags, related nutrients and inline rows, then its Citation rows are rebuilt. Its workflow
state stays as it is now (status, publication time, medical review, featured): going back to old
text must neither publish nor unpublish a page, and a review stays a reviewer's act. References
the old text cites that have been deleted since come back from the version too.

A deleted page comes back under its old id, so its history carries on: as a draft, or in the
state it was in when the user may publish. Each function checks the user's permissions
(None: the system) and raises ``RestoreRefused`` with a message for the editor when the version
cannot be written back as it is.
"""

import functools

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from reversion.models import Version

from references.models import STUDY_FIELDS, Reference
from references.record import RECORD_FIELDS

from .. import transfer, workflow
from ..citing import citations_sync
from ..models import Document, Status
from .content import revision_references, version_content
from .recording import history_note, history_origin_for

# What a restore leaves as it is now: the workflow's fields and the publisher's choice to feature.
KEPT = (*transfer.WORKFLOW_FIELDS, "featured")


class RestoreRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def version_label(version: Version) -> str:
    return f"the version of {date_format(timezone.localtime(version.revision.date_created), 'j F Y, H:i')}"


def _require(user, model: type, permission: str) -> None:
    if not workflow.may(user, model, permission):
        raise PermissionDenied


def _as_user(service):
    """Run a service inside a history origin naming its user, unless a request already opened one."""

    @functools.wraps(service)
    def run(*, version: Version, user):
        with history_origin_for(user=user), transaction.atomic():
            return service(version=version, user=user)

    return run


@_as_user
def document_restore(*, version: Version, user) -> Document:
    """Make the page hold what ``version`` recorded, keeping its workflow state."""
    model = version._model
    document = model.objects.filter(pk=version.object_id).first()
    if document is None:
        raise RestoreRefused("This page has been deleted: recover it from the list of deleted pages.")
    _require(user, model, "change")
    if not workflow.may_edit(user, document):
        raise PermissionDenied
    data = version_content(version) | {name: transfer.scalar_text(getattr(document, name)) for name in KEPT}
    _check_slug(model, data["slug"], document.pk)
    _bring_back_references(version, data)
    transfer.document_write(document=document, data=data)
    citations_sync(document=document)
    history_note(document, f"Restored {version_label(version)}")
    return document


@_as_user
def document_recover(*, version: Version, user) -> Document:
    """Bring a deleted page back from its last version, under its old id."""
    model = version._model
    if model.objects.filter(pk=version.object_id).exists():
        raise RestoreRefused("This page has not been deleted: restore a version from its history instead.")
    _require(user, model, "add")
    data = version_content(version)
    _check_slug(model, data["slug"], None)
    _bring_back_references(version, data)
    fields = version.field_dict
    document = model(pk=int(version.object_id))
    if fields.get("author_id") and get_user_model().objects.filter(pk=fields["author_id"]).exists():
        document.author_id = fields["author_id"]
    target = {name: transfer.stored_value(name, data[name]) for name in ("status", "publish_at")}
    transfer.document_write(document=document, data=data | {"status": Status.DRAFT, "publish_at": None})
    citations_sync(document=document)
    history_note(document, f"Recovered from {version_label(version)}")
    if workflow.may(user, model, "publish"):
        workflow.document_transition(document=document, user=user, **target)
    return document


def _check_slug(model: type[Document], slug: str, pk) -> None:
    other = model.objects.filter(slug=slug).exclude(pk=pk).first()
    if other is not None:
        raise RestoreRefused(
            f"The {model._meta.verbose_name} “{other}” now has the address “{slug}” that this version used: "
            "change that page's address first."
        )


def _bring_back_references(version: Version, data: dict) -> None:
    """Recreate the references the version's text cites that are no longer in the library."""
    cited = transfer.cited_references(data)
    present = set(Reference.objects.filter(key__in=cited).values_list("key", flat=True))
    kept = revision_references(version)
    for key in (key for key in cited if key not in present):
        if key not in kept:
            raise RestoreRefused(f"This version cites @{key}, which is no longer in the library.")
        _reference_from(kept[key], keep_pk=not Reference.objects.filter(pk=kept[key].object_id).exists())


def _reference_from(version: Version, *, keep_pk: bool) -> Reference:
    reference = Reference(pk=int(version.object_id) if keep_pk else None)
    return _reference_write(reference, version, note="Recovered from")


def _reference_write(reference: Reference, version: Version, *, note: str) -> Reference:
    """Give ``reference`` the record ``version`` kept; validated as the admin would, then saved."""
    fields = version.field_dict
    for name in RECORD_FIELDS:
        setattr(reference, name, fields.get(name))
    for name in STUDY_FIELDS:
        # Versions from before study summaries hold none: keep the field's empty value.
        setattr(reference, name, fields.get(name, Reference._meta.get_field(name).get_default()))
    try:
        reference.full_clean()
    except ValidationError as error:
        raise RestoreRefused(
            f"@{reference.key} cannot be brought back as it was: {' '.join(error.messages)}"
        ) from None
    reference.save()
    history_note(reference, f"{note} {version_label(version)}")
    return reference


@_as_user
def reference_restore(*, version: Version, user) -> Reference:
    """Make the reference hold the record ``version`` kept."""
    reference = Reference.objects.filter(pk=version.object_id).first()
    if reference is None:
        raise RestoreRefused(
            "This reference has been deleted: recover it from the list of deleted references."
        )
    _require(user, Reference, "change")
    return _reference_write(reference, version, note="Restored")


@_as_user
def reference_recover(*, version: Version, user) -> Reference:
    """Bring a deleted reference back from its last version, under its old id."""
    if Reference.objects.filter(pk=version.object_id).exists():
        raise RestoreRefused(
            "This reference has not been deleted: restore a version from its history instead."
        )
    _require(user, Reference, "add")
    return _reference_from(version, keep_pk=True)
