"""The editorial workflow: who may move a page between draft, review and published, and its record.

A page is a draft, in review, published (readers see it) or scheduled (published with a future
``publish_at``). Each step needs a permission of the page's model:

==============  ===================================================  ======================
Step            What changes                                         Permission
==============  ===================================================  ======================
submitted       draft → in review                                    ``change_<model>``
returned        in review → draft                                    ``change_<model>``
reviewed        the medical reviewer or review date                  ``review_<model>``
published       → published now (or a new past publication time)     ``publish_<model>``
scheduled       → published at a future time (or a new such time)    ``publish_<model>``
unpublished     published or scheduled → draft or in review          ``publish_<model>``
==============  ===================================================  ======================

Changing or deleting a published or scheduled page needs ``publish_<model>`` as well, since
readers would see the change (``may_edit``). Recording a review is the one step a medical
reviewer takes on a published page without it: re-reviewing live pages is their job, and it
changes no medical content.

``document_transition`` is the only way to take a step: the change form, every admin action,
content import, restore and recovery call it. It checks the permissions, applies the change,
records a ``Transition`` (shown in the page's history) and an admin log entry, and when the page
becomes visible to readers now, sends ``document_published`` once the transaction commits.
``transition_check`` runs the same checks without writing, for forms and import previews.
"""

import datetime
from dataclasses import dataclass
from functools import partial

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from .history import history_note, history_origin_for
from .history.recording import running_command
from .integrity import broken_citations
from .models import Document, Status, Transition, TransitionAction, permission_name
from .signals import document_published


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()  # "leave this field as it is"

ROLE_FOR = {"change": "Writer", "review": "Medical reviewer", "publish": "Publisher"}
PUBLISHING = (TransitionAction.PUBLISHED, TransitionAction.SCHEDULED)


class TransitionRefused(Exception):
    """A step the user may not take, or a page that may not take it; ``field`` is the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Step:
    action: TransitionAction
    permission: str  # "change", "review" or "publish"
    detail: str = ""

    @property
    def field(self) -> str:
        return "medical_reviewer" if self.permission == "review" else "status"

    def __str__(self) -> str:
        return self.action.label + (f" ({self.detail})" if self.detail else "")


def page_state(status: str, publish_at: datetime.datetime | None) -> str:
    """One of "draft", "review", "published" or "scheduled"."""
    if status == Status.PUBLISHED and publish_at is not None and publish_at > timezone.now():
        return "scheduled"
    return status


def may(user, model: type[Document], permission: str) -> bool:
    """None stands for the system (a management command), which may do anything."""
    return user is None or user.has_perm(permission_name(model, permission))


def may_edit(user, document: Document) -> bool:
    """A published or scheduled page may only be changed or deleted by someone who may publish it."""
    return document.pk is None or document.status != Status.PUBLISHED or may(user, type(document), "publish")


def transition_steps(
    *, document: Document, status=KEEP, publish_at=KEEP, medical_reviewer=KEEP, reviewed_on=KEEP
) -> list[Step]:
    """The steps that take ``document`` (as stored) to the given values; [] when nothing changes."""
    status = document.status if status is KEEP else status
    publish_at = document.publish_at if publish_at is KEEP else publish_at
    steps = []
    reviewer = document.medical_reviewer if medical_reviewer is KEEP else medical_reviewer
    review_date = document.reviewed_on if reviewed_on is KEEP else reviewed_on
    if (reviewer, review_date) != (document.medical_reviewer, document.reviewed_on):
        detail = f"by {reviewer}" if reviewer else "cleared"
        if reviewer and review_date:
            detail += f" on {date_format(review_date, 'j F Y')}"
        steps.append(Step(TransitionAction.REVIEWED, "review", detail))
    before = page_state(document.status, document.publish_at) if document.pk else Status.DRAFT
    after = page_state(status, publish_at)
    # Forms show times to the second: a time posted back unchanged is not a new one.
    moved = _to_second(publish_at) != _to_second(document.publish_at)
    if after == "scheduled" and (before != after or moved):
        when = date_format(timezone.localtime(publish_at), "j F Y, H:i")
        steps.append(Step(TransitionAction.SCHEDULED, "publish", f"for {when}"))
    elif after == Status.PUBLISHED and (before != after or moved):
        steps.append(Step(TransitionAction.PUBLISHED, "publish"))
    elif after != before and before in (Status.PUBLISHED, "scheduled"):
        steps.append(Step(TransitionAction.UNPUBLISHED, "publish", f"now {Status(after).label.lower()}"))
    elif after == Status.REVIEW and before == Status.DRAFT:
        steps.append(Step(TransitionAction.SUBMITTED, "change"))
    elif after == Status.DRAFT and before == Status.REVIEW:
        steps.append(Step(TransitionAction.RETURNED, "change"))
    return steps


def _to_second(moment: datetime.datetime | None) -> datetime.datetime | None:
    return moment.replace(microsecond=0) if moment is not None else None


def transition_check(*, user, document: Document, **target) -> list[Step]:
    """The steps ``document_transition`` would take; raises ``TransitionRefused`` if one is not allowed."""
    steps = transition_steps(document=document, **target)
    model = type(document)
    for step in steps:
        if not may(user, model, step.permission):
            raise TransitionRefused(
                f"You may not take the step “{step.action.label}” for {model._meta.verbose_name_plural}: "
                f"it needs the {ROLE_FOR[step.permission]} role "
                f"(the “{permission_name(model, step.permission)}” permission).",
                step.field,
            )
    return steps


def document_transition(
    *, document: Document, user, status=KEEP, publish_at=KEEP, medical_reviewer=KEEP, reviewed_on=KEEP
) -> list[Transition]:
    """Take ``document`` (saved) to the given state and review; check, apply, record. Returns the records.

    ``user`` None means the system (a management command). Publishing a page whose text cites
    unknown keys is refused.
    """
    target = {"status": status, "publish_at": publish_at, "medical_reviewer": medical_reviewer,
              "reviewed_on": reviewed_on}  # fmt: skip
    steps = transition_check(user=user, document=document, **target)
    if not steps:
        return []
    if any(step.action in PUBLISHING for step in steps) and (problems := broken_citations(document)):
        listed = "; ".join(f"{problem.where}: {problem.message}" for problem in problems)
        raise TransitionRefused(f"broken citations ({listed}); correct them before publishing.")
    was_public = document.is_public
    for name, value in target.items():
        if value is not KEEP:
            setattr(document, name, value)
    with history_origin_for(user=user), transaction.atomic():
        document.save()
        records = _record(document=document, user=user, steps=steps)
    if document.is_public and not was_public:
        transaction.on_commit(partial(document_published.send, sender=type(document), document=document))
    return records


def _record(*, document: Document, user, steps: list[Step]) -> list[Transition]:
    command = running_command()
    actor = user.get_username() if user is not None else (f"{command} command" if command else "system")
    content_type = ContentType.objects.get_for_model(document)
    records = Transition.objects.bulk_create(
        Transition(content_type=content_type, object_id=document.pk, action=step.action, detail=step.detail,
                   user=user, actor=actor)
        for step in steps
    )  # fmt: skip
    message = "; ".join(str(step) for step in steps)
    history_note(document, message)
    if user is not None:
        LogEntry.objects.log_actions(user.pk, [document], CHANGE, message, single_object=True)
    return records
