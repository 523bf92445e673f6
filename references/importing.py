"""Importing references from files and look-ups: a plan to preview, then all of it or none.

``references_plan`` checks each record the readers returned against the model's fields, then
matches the records against the library and each other with the one duplicate check
(``matching.find_matches``) and decides, for each, one of:

- new: added with its own key if that key is free, else a fresh one from ``make_key``;
- update: the same work is stored; fields the file fills and the library has otherwise are
  updated, but the stored key, and any field the file leaves empty, are kept;
- unchanged: the same work is stored and the file adds nothing;
- duplicate: it repeats an earlier record of the file, and is left out;
- skipped: it has no title (or its row could not be read), and is left out.

A value a record cannot store (a malformed URL, a volume longer than the field) is left out
of that record, with a warning naming the record, the field, the value and why; only a file
with no record that can be imported is refused (``ImportRefused``).

``references_import`` plans again and writes inside one transaction (``bulk_create`` and
``bulk_update``), so an import is never partly applied. The queries it makes depend on the
number of records in the file, not on the size of the library.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import identifiers
from .formats import FieldWarning, ParsedRecords
from .matching import find_matches, key_base, make_key
from .models import Reference, identifier_errors
from .record import RECORD_FIELDS, record_label
from .signals import references_written
from .variants import is_cosmetic_variant

NEW, UPDATE, UNCHANGED, DUPLICATE, SKIPPED = "new", "update", "unchanged", "duplicate", "skipped"
BATCH_SIZE = 500
# The model fields whose rules a record is checked by (the key is made fit by build_record, and
# names are checked by the readers).
_CHECKED_FIELDS = [
    Reference._meta.get_field(name) for name in RECORD_FIELDS if name not in ("key", "authors", "editors")
]
# Called with (stage, records done, records in all) while a long import runs.
Progress = Callable[[str, int, int], None]
_IDENTIFIER_FIELDS = {
    "doi": identifiers.normalize_doi,
    "pmid": identifiers.normalize_pmid,
    "pmcid": identifiers.normalize_pmcid,
}


class ImportRefused(Exception):
    """The file has nothing that can be imported, or the user may not import it; nothing changed."""


@dataclass
class PlannedRecord:
    """One record of the file and what the import does with it."""

    number: int  # its place in the file, from 1
    record: dict
    action: str  # NEW, UPDATE, UNCHANGED, DUPLICATE or SKIPPED
    key: str = ""  # the key it gets (new) or has (update, unchanged)
    existing: int | None = None  # the stored reference's pk (update, unchanged)
    reason: str = ""  # why it matched, or why it is left out
    duplicate_of: int | None = None  # for a duplicate: the number of the record it repeats
    changes: dict[str, tuple[object, object]] = field(default_factory=dict)  # field: (old, new)

    @property
    def is_new(self) -> bool:
        return self.action == NEW

    @property
    def left_out(self) -> bool:
        return self.action in (DUPLICATE, SKIPPED)


@dataclass
class ImportPlan:
    """What importing a file would do (or did): every record's fate, and every warning."""

    records: list[PlannedRecord]
    warnings: list[FieldWarning]
    notes: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    encoding: str = ""
    format: str = ""

    def count(self, *actions: str) -> int:
        return sum(planned.action in actions for planned in self.records)

    @property
    def totals(self) -> dict[str, int]:
        return {action: self.count(action) for action in (NEW, UPDATE, UNCHANGED, DUPLICATE, SKIPPED)}

    def summary(self) -> str:
        totals = self.totals
        return (
            f"{totals[NEW]} new, {totals[UPDATE]} updated, {totals[UNCHANGED]} unchanged, "
            f"{totals[DUPLICATE]} duplicate{'s' if totals[DUPLICATE] != 1 else ''} and "
            f"{totals[SKIPPED]} unreadable left out"
        )


# Checking records against the model -------------------------------------------------------


@dataclass
class _Checked:
    record: dict
    warnings: list[FieldWarning]
    skip: str = ""  # why the record cannot be imported at all


def check_records(parsed: ParsedRecords, progress: Progress | None = None) -> list[_Checked]:
    """Each record with the values its ``Reference`` could not store left out, by the model's own
    rules (``Field.clean``: lengths, URL, type, year range; ``identifier_errors``), and the
    warnings saying so. No queries."""
    checked = []
    for number, record in enumerate(parsed, 1):
        label = record_label(record)
        warnings = [
            FieldWarning(number, label, problem.field, problem.value, problem.why)
            for problem in getattr(record, "problems", ())
        ]
        record = {name: record.get(name) for name in RECORD_FIELDS}
        errors = {name: [message] for name, message in identifier_errors(record).items()}
        for model_field in _CHECKED_FIELDS:
            value = record[model_field.name]
            if value in model_field.empty_values:
                if not model_field.blank:
                    errors[model_field.name] = ["This field cannot be blank."]
                continue
            try:
                record[model_field.name] = model_field.clean(value, None)
            except ValidationError as error:
                errors.setdefault(model_field.name, []).extend(error.messages)
        skip = ""
        for name, messages in errors.items():
            if name == "title":
                skip = "has no title, so it was left out." if not record["title"] else " ".join(messages)
                continue
            warnings.append(FieldWarning(number, label, name, _text(record[name]),
                                         f"cannot be stored ({' '.join(messages)}); left out."))  # fmt: skip
            record[name] = Reference._meta.get_field(name).get_default()
        if any(warning.field in ("row", "item") for warning in warnings):
            skip = skip or "could not be read, so it was left out."
        checked.append(_Checked(record, warnings, skip))
        if progress and number % BATCH_SIZE == 0:
            progress("Checking records", number, len(parsed))
    return checked


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value if value is not None else "")


# Planning ------------------------------------------------------------------------------------


def references_plan(
    *, parsed: ParsedRecords, checked: list[_Checked] | None = None, update_existing: bool = True
) -> ImportPlan:
    """What importing ``parsed`` would do; writes nothing. ``update_existing=False`` leaves stored
    works as they are (the look-up only adds). Raises ``ImportRefused`` if nothing can be imported."""
    checked = check_records(parsed) if checked is None else checked
    plan = ImportPlan(
        records=[],
        warnings=[warning for item in checked for warning in item.warnings],
        notes=list(parsed.notes),
        unused=list(parsed.unused),
        encoding=parsed.encoding,
        format=parsed.format,
    )
    readable = [(number, item) for number, item in enumerate(checked, 1) if not item.skip]
    if not readable:
        reasons = "; ".join(f"record {number}: {item.skip}" for number, item in enumerate(checked[:3], 1))
        raise ImportRefused(f"No record in this file can be imported ({reasons or 'it holds none'}).")
    records = [item.record for _, item in readable]
    stored = Reference.objects.same_work_candidates(records)
    matches = find_matches(records, stored)
    stored_records = dict(stored)
    keys = _new_keys([(number, item.record) for (number, item), match in zip(readable, matches, strict=True)
                      if match is None])  # fmt: skip
    by_number: dict[int, PlannedRecord] = {}
    for (number, item), match in zip(readable, matches, strict=True):
        record = item.record
        if match is None:
            key, warning = keys[number]
            planned = PlannedRecord(number, record, NEW, key=key)
            if warning:
                plan.warnings.append(
                    FieldWarning(number, record_label(record), "key", record["key"], warning)
                )
        elif match.earlier is not None:
            earlier = readable[match.earlier][0]
            planned = PlannedRecord(number, record, DUPLICATE, duplicate_of=earlier,
                                    reason=f"repeats record {earlier} ({match.reason})")  # fmt: skip
        else:
            stored_record = stored_records[match.stored]
            changes = _changes(stored_record, record) if update_existing else {}
            planned = PlannedRecord(number, record, UPDATE if changes else UNCHANGED, key=stored_record["key"],
                                    existing=match.stored, reason=match.reason, changes=changes)  # fmt: skip
        by_number[number] = planned
    for number, item in enumerate(checked, 1):
        by_number.setdefault(number, PlannedRecord(number, item.record, SKIPPED, reason=item.skip))
    plan.records = [by_number[number] for number in sorted(by_number)]
    plan.warnings.sort(key=lambda warning: warning.record)
    return plan


def _new_keys(new: list[tuple[int, dict]]) -> dict[int, tuple[str, str | None]]:
    """Keys for the new records, by record number: the file's own where it is free, else a fresh
    one from ``make_key``, with a warning saying why the file's key was not used. Keys the file
    asks for are reserved, so a made key never takes one a later record wants."""
    wanted = [record["key"] for _, record in new if record["key"]]
    stored = Reference.objects.keys_in_use(wanted, [key_base(record) for _, record in new])
    reserved = stored | set(wanted)
    given: set[str] = set()
    keys = {}
    for number, record in new:
        key, warning = record["key"], None
        if key and (key in stored or key in given):
            where = "an earlier record of this file" if key in given else "another reference in the library"
            key = make_key(record, reserved | given)
            warning = f"is already the key of {where}; this one becomes “{key}”."
        elif not key:
            key = make_key(record, reserved | given)
        given.add(key)
        keys[number] = (key, warning)
    return keys


def _changes(stored: dict, record: dict) -> dict[str, tuple[object, object]]:
    """The fields ``record`` would change in ``stored``: those it fills with another value. The key
    is never changed (pages cite it), an unknown type ("document") never replaces a known one, and
    a cosmetic variant (``variants.is_cosmetic_variant``) never replaces the value an editor curated."""
    changes = {}
    for name in RECORD_FIELDS:
        new, old = record[name], stored[name]
        if name == "key" or new in ("", None, []) or (name == "type" and new == "document"):
            continue
        if name in _IDENTIFIER_FIELDS:
            old = _IDENTIFIER_FIELDS[name](old)
        if isinstance(new, str) and isinstance(old, str) and new.split() == old.split():
            continue
        if is_cosmetic_variant(name, old, new):
            continue
        if new != old:
            changes[name] = (stored[name], new)
    return changes


# Writing -------------------------------------------------------------------------------------


def check_permissions(user, plan: ImportPlan) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may import, and add and change what ``plan`` would."""
    needed = [("import_reference", "import references")]
    if new := plan.count(NEW):
        needed.append(("add_reference", f"add {new} new reference{'s' if new != 1 else ''}"))
    if updated := plan.count(UPDATE):
        needed.append(
            ("change_reference", f"change {updated} reference{'s' if updated != 1 else ''} it updates")
        )
    missing = [what for codename, what in needed if not user.has_perm(f"references.{codename}")]
    if missing:
        raise PermissionDenied(f"You may not {' or '.join(missing)}; nothing was imported.")


def references_import(
    *,
    parsed: ParsedRecords,
    user=None,
    update_existing: bool = True,
    dry_run: bool = False,
    progress: Progress | None = None,
    finish: Callable[[ImportPlan], None] | None = None,
    source: str = "",
) -> ImportPlan:
    """Import ``parsed``: all of it or none. Records are checked first (outside the transaction,
    reporting ``progress``), then matched and written in one transaction, so that what is written
    matches the library at that moment. ``user``, when given, must hold the permissions
    (``check_permissions``). ``finish(plan)`` runs inside the transaction, after the writes.
    ``references_written`` tells listeners what was written, by ``user``, and ``source``: what
    wrote it, in words ("Imported from a file in the admin")."""
    checked = check_records(parsed, progress)
    with transaction.atomic():
        if progress:
            progress("Matching against the library", len(parsed), len(parsed))
        plan = references_plan(parsed=parsed, checked=checked, update_existing=update_existing)
        if user is not None:
            check_permissions(user, plan)
        if not dry_run:
            if progress:
                progress("Saving", len(parsed), len(parsed))
            created, updated = _write(plan)
            if created or updated:
                references_written.send(Reference, created=created, updated=updated, user=user, source=source)
        if finish:
            finish(plan)
    return plan


def _write(plan: ImportPlan) -> tuple[list[str], list[str]]:
    """Write the plan in bulk; the keys created and updated."""
    now = timezone.now()
    new = []
    for planned in plan.records:
        if planned.action == NEW:
            reference = Reference(**{name: planned.record[name] for name in RECORD_FIELDS})
            reference.key = planned.key
            reference.set_derived_fields()
            new.append(reference)
    for start in range(0, len(new), BATCH_SIZE):
        Reference.objects.bulk_create(new[start : start + BATCH_SIZE])
    updates = {planned.existing: planned for planned in plan.records if planned.action == UPDATE}
    changed: set[str] = set()
    references = []
    pks = sorted(updates)
    for start in range(0, len(pks), BATCH_SIZE):
        for reference in Reference.objects.filter(pk__in=pks[start : start + BATCH_SIZE]):
            for name, (_, value) in updates[reference.pk].changes.items():
                setattr(reference, name, value)
                changed.add(name)
            reference.set_derived_fields()
            reference.updated = now
            references.append(reference)
    if references:
        fields = sorted(changed | {"authors_text", "match_title", "updated"})
        Reference.objects.bulk_update(references, fields, batch_size=BATCH_SIZE)
    return [reference.key for reference in new], [reference.key for reference in references]
