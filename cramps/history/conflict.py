"""What changed on a page since an editor opened it (optimistic locking, ``DocumentAdminForm``).

The editor's form carries the page's ``updated`` stamp. The version holding that stamp is the
page the editor saw; comparing it with the page now lists what someone else changed meanwhile.
"""

import datetime
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils.dateparse import parse_datetime
from reversion.models import Version

from ..models import Document
from .content import Difference, current_content, differences, version_content

# How many recent versions to search for the one the editor opened.
SEARCH_DEPTH = 50


@dataclass(frozen=True)
class Conflict:
    who: str  # the user who saved last, or "" when unknown
    differences: list[Difference]
    found: bool  # False when the version the editor opened is not in the history


def conflict_since(*, document: Document, token: str) -> Conflict:
    """``document`` as loaded now, against the version whose stamp is ``token``."""
    versions = list(
        Version.objects.get_for_object(document)
        .select_related("revision__user")
        .order_by("-pk")[:SEARCH_DEPTH]
    )
    opened = parse_datetime(token)
    base = next(
        (version for version in versions if _same_moment(version.field_dict.get("updated"), opened)), None
    )
    changes = differences(type(document), version_content(base), current_content(document)) if base else []
    return Conflict(who=_last_editor(document, versions), differences=changes, found=base is not None)


def _same_moment(stored: datetime.datetime | None, opened: datetime.datetime | None) -> bool:
    """Versions keep times to the millisecond (Django's JSON serialiser); the stamp has microseconds."""
    if stored is None or opened is None:
        return False
    return stored.replace(microsecond=stored.microsecond // 1000 * 1000) == opened.replace(
        microsecond=opened.microsecond // 1000 * 1000
    )


def _last_editor(document: Document, versions: list[Version]) -> str:
    if versions and versions[0].revision.user is not None:
        return versions[0].revision.user.get_username()
    entry = (
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(document), object_id=str(document.pk)
        )
        .select_related("user")
        .order_by("-action_time")
        .first()
    )
    return entry.user.get_username() if entry is not None else ""
