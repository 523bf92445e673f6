"""Reference import and export through django-import-export, matching duplicates as reference managers do.

A row is the same work as a stored reference when they share a DOI, else a PMID, else a
normalised title with the same first author and year (``formats.records.match_keys``, the
one rule every import uses). Such a row updates that reference; a row that repeats a work
listed earlier in the same file is marked "duplicate" (a row type of its own, so the preview
shows it next to new / update / unchanged) and is left out, and the import goes on.

Updating a stored reference never loses what the library has: it keeps its citation key
(documents cite it by that key), a field the file leaves empty keeps its value, and a text
that differs only in spacing is left as it was. A new row without a key gets one from
``make_key`` (``rude1998``, ``rude1998a``…), clear of the keys in the library and in the file.

All or nothing: every row runs in one transaction, rolled back if any row is invalid or
fails to save, at preview and at confirm alike.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import escape
from import_export import fields, resources, widgets
from import_export.results import Result, RowResult

from . import identifiers
from .formats import empty_record, make_key, match_keys
from .formats.records import RECORD_FIELDS, describe_identity
from .import_formats import names_from_cell, names_to_cell
from .models import Reference

COLUMNS = ("key", *(field for field in RECORD_FIELDS if field != "key"))
PREVIEW_LENGTH = 120


class ReferenceIndex:
    """The library's references by every identity ``match_keys`` gives them, and the keys in use."""

    def __init__(self, queryset=None):
        self.pks: dict[tuple, int] = {}
        self.keys: dict[str, int] = {}
        queryset = Reference.objects.all() if queryset is None else queryset
        for reference in queryset.only("pk", "key", "doi", "pmid", "title", "authors", "issued_year"):
            self.add(reference.record, reference.pk)

    def add(self, record: dict, pk: int) -> None:
        for identity in match_keys(record):
            self.pks.setdefault(identity, pk)
        if record.get("key"):
            self.keys.setdefault(record["key"], pk)

    def find(self, record: dict) -> tuple[int, tuple] | None:
        """``(pk, identity)`` of the stored reference that is the same work as ``record``, if any."""
        return next(
            ((self.pks[identity], identity) for identity in match_keys(record) if identity in self.pks), None
        )


@dataclass(frozen=True)
class RecordStatus:
    """Whether a looked-up record is new to the library (and the key it would get) or a duplicate."""

    record: dict
    key: str
    existing: Reference | None = None
    reason: str = ""

    @property
    def is_new(self) -> bool:
        return self.existing is None and not self.reason


def records_status(records: list[dict]) -> list[RecordStatus]:
    """Each record matched against the library and the records before it, by the one rule."""
    index = ReferenceIndex()
    taken = set(index.keys)
    statuses, seen = [], {}
    for number, record in enumerate(records, 1):
        found = index.find(record)
        earlier = next(
            ((seen[identity], identity) for identity in match_keys(record) if identity in seen), None
        )
        if found:
            existing = Reference.objects.get(pk=found[0])
            statuses.append(RecordStatus(record, existing.key, existing, describe_identity(found[1])))
        elif earlier:
            statuses.append(
                RecordStatus(record, "", None, f"{describe_identity(earlier[1])} as record {earlier[0]}")
            )
        else:
            key = (
                record.get("key")
                if record.get("key") and record["key"] not in taken
                else make_key(record, taken)
            )
            taken.add(key)
            statuses.append(RecordStatus(record, key))
        for identity in match_keys(record):
            seen.setdefault(identity, number)
    return statuses


@transaction.atomic
def references_create(*, records: list[dict]) -> tuple[list[Reference], list[RecordStatus]]:
    """Save the records that are new to the library, all or none; returns them and the rest.

    Matching is done again here, so a reference added since the preview is not duplicated.
    A record that does not validate raises ``ValidationError`` naming it, and nothing is saved.
    """
    created, left_out = [], []
    for status in records_status(records):
        if not status.is_new:
            left_out.append(status)
            continue
        fields = empty_record() | {
            field: status.record[field] for field in RECORD_FIELDS if field in status.record
        }
        reference = Reference(**fields)
        reference.key = status.key
        try:
            reference.full_clean()
        except ValidationError as error:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
            raise ValidationError(f"{_record_label(status.record)} was not saved ({problems}).") from None
        reference.save()
        created.append(reference)
    return created, left_out


def _record_label(record: dict) -> str:
    if record.get("pmid"):
        return f"PMID {record['pmid']}"
    if record.get("doi"):
        return f"DOI {record['doi']}"
    return f"“{record.get('title', '')[:60]}”"


# Widgets ---------------------------------------------------------------------------------------


class TextWidget(widgets.CharWidget):
    """Text that may arrive as a spreadsheet number (``13.0`` for volume 13)."""

    def clean(self, value, row=None, **kwargs) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super().clean(value, row, **kwargs).strip()


class IdentifierWidget(TextWidget):
    def __init__(self, normalize, **kwargs):
        super().__init__(**kwargs)
        self.normalize = normalize

    def clean(self, value, row=None, **kwargs) -> str:
        return self.normalize(super().clean(value, row, **kwargs))


class NamesWidget(widgets.Widget):
    """CSL names as one "Family, Given; Family, Given" cell (a list of CSL names is taken too)."""

    def clean(self, value, row=None, **kwargs) -> list[dict]:
        if value in (None, ""):
            return []
        if isinstance(value, list):
            parts = {"family", "given", "literal", "suffix"}
            if not all(isinstance(name, dict) and name and set(name) <= parts for name in value):
                raise ValueError('Names should be text like "Rude, Robert K; Wester, PO", or CSL names.')
            return value
        return names_from_cell(str(value))

    def render(self, value, obj=None, **kwargs) -> str:
        return names_to_cell(value or [])


class YearWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs) -> int | None:
        try:
            return super().clean(value, row, **kwargs)
        except (ArithmeticError, ValueError):
            raise ValueError(f"“{value}” is not a year.") from None


class DayWidget(widgets.DateWidget):
    """A date written YYYY-MM-DD; a spreadsheet's date-time cell counts as its day."""

    def __init__(self):
        super().__init__(format="%Y-%m-%d")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        try:
            value = super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(f"“{value}” is not a date: write it as YYYY-MM-DD, e.g. 2019-03-12.") from None
        return value.date() if hasattr(value, "date") else value


# Results ---------------------------------------------------------------------------------------


class ReferenceRowResult(RowResult):
    IMPORT_TYPE_DUPLICATE = "duplicate"
    valid_import_types = RowResult.valid_import_types | {IMPORT_TYPE_DUPLICATE}

    def __init__(self):
        super().__init__()
        self.number: int | None = None
        #: For an update or an unchanged row: why it is that stored reference ("same DOI …").
        self.matched = ""
        #: For a duplicate: the earlier row number, and why it is the same work.
        self.duplicate_of: int | None = None
        self.duplicate_reason = ""

    def is_duplicate(self) -> bool:
        return self.import_type == self.IMPORT_TYPE_DUPLICATE


class ReferenceImportResult(Result):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.totals[ReferenceRowResult.IMPORT_TYPE_DUPLICATE] = 0

    def valid_rows(self) -> list[RowResult]:
        return [row for row in self.rows if row.is_valid()]

    def duplicate_rows(self) -> list[ReferenceRowResult]:
        return [row for row in self.rows if row.import_type == ReferenceRowResult.IMPORT_TYPE_DUPLICATE]

    def append_invalid_row(self, number, row, validation_error) -> None:
        super().append_invalid_row(number, row, validation_error)
        # Which row it is, in the file's own words, for the error list.
        self.invalid_rows[-1].key = str(row.get("key") or "")
        self.invalid_rows[-1].title = _shorten(str(row.get("title") or ""))


class PreviewDiff(resources.Diff):
    """The preview's cells, long texts (abstracts, author lists) shortened."""

    @classmethod
    def _read_field_values(cls, resource, instance) -> list[str]:
        return [_shorten(str(value)) for value in super()._read_field_values(resource, instance)]


def _shorten(text: str) -> str:
    return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1].rstrip() + "…"


# The resource ----------------------------------------------------------------------------------


class ReferenceResource(resources.ModelResource):
    authors = fields.Field(attribute="authors", column_name="authors", widget=NamesWidget())
    editors = fields.Field(attribute="editors", column_name="editors", widget=NamesWidget())
    doi = fields.Field(attribute="doi", column_name="doi", widget=IdentifierWidget(identifiers.normalize_doi))
    pmid = fields.Field(
        attribute="pmid", column_name="pmid", widget=IdentifierWidget(identifiers.normalize_pmid)
    )
    pmcid = fields.Field(
        attribute="pmcid", column_name="pmcid", widget=IdentifierWidget(identifiers.normalize_pmcid)
    )
    issued_year = fields.Field(attribute="issued_year", column_name="issued_year", widget=YearWidget())
    accessed = fields.Field(attribute="accessed", column_name="accessed", widget=DayWidget())

    class Meta:
        model = Reference
        name = "References"
        fields = COLUMNS
        import_order = COLUMNS
        export_order = COLUMNS
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True

    @classmethod
    def widget_from_django_field(cls, f, default=widgets.Widget):
        if f.get_internal_type() in ("CharField", "TextField", "SlugField", "URLField"):
            return TextWidget
        return super().widget_from_django_field(f, default)

    @classmethod
    def get_result_class(cls):
        return ReferenceImportResult

    @classmethod
    def get_row_result_class(cls):
        return ReferenceRowResult

    @classmethod
    def get_diff_class(cls):
        return PreviewDiff

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None,
                    collect_failed_rows=False, rollback_on_validation_errors=False, **kwargs):  # fmt: skip
        # A row that fails validation at confirm time must undo the rows saved before it.
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    def before_import(self, dataset, **kwargs) -> None:
        dataset.headers = [_column(header) for header in dataset.headers or []]
        self.index = ReferenceIndex(self.get_queryset())
        in_file = {str(row.get("key") or "").strip() for row in dataset.dict}
        self.taken_keys = set(self.index.keys) | in_file
        self.key_rows: dict[str, int] = {}
        self.seen: dict[tuple, int] = {}
        self.claimed: dict[int, int] = {}
        if "title" not in dataset.headers:
            found = ", ".join(header for header in dataset.headers if header) or "none"
            raise ValueError(
                f"The file has no “title” column, so no row can be read. Its columns: {found}. "
                f"Cramps' columns: {', '.join(COLUMNS)}."
            )

    # Rows: matching and duplicates

    def row_record(self, row) -> dict:
        """What ``match_keys`` needs from a row, cleaned as on import (bad values count as empty)."""
        record = {}
        for name in ("doi", "pmid", "title", "authors", "issued_year"):
            try:
                record[name] = self.fields[name].clean(row) if name in row else None
            except (ValueError, ArithmeticError):
                record[name] = None
        return record

    def get_instance(self, instance_loader, row) -> Reference | None:
        found = self.index.find(self.row_record(row))
        return self.get_queryset().filter(pk=found[0]).first() if found else None

    def import_row(self, row, instance_loader, **kwargs) -> RowResult:
        number = kwargs["row_number"]
        record = self.row_record(row)
        identities = match_keys(record)
        found = self.index.find(record)
        earlier = next(
            ((self.seen[identity], identity) for identity in identities if identity in self.seen), None
        )
        if earlier is None and found and found[0] in self.claimed:
            earlier = (self.claimed[found[0]], found[1])
        if earlier is not None:
            row_result = self.duplicate_result(row, *earlier)
            row_result.number = number
            return row_result
        row_result = super().import_row(row, instance_loader, **kwargs)
        row_result.number = number
        row_result.matched = describe_identity(found[1]) if found else ""
        for identity in identities:
            self.seen.setdefault(identity, number)
        if found:
            self.claimed[found[0]] = number
        return row_result

    def duplicate_result(self, row, earlier: int, identity: tuple) -> ReferenceRowResult:
        row_result = self.get_row_result_class()()
        row_result.import_type = ReferenceRowResult.IMPORT_TYPE_DUPLICATE
        row_result.duplicate_of = earlier
        row_result.duplicate_reason = describe_identity(identity)
        row_result.object_repr = str(row.get("title") or "")
        row_result.diff = [escape(_shorten(str(row.get(column) or ""))) for column in self.get_diff_headers()]
        return row_result

    # Fields: what an update keeps

    def import_field(self, field, instance, row, is_m2m=False, **kwargs) -> None:
        if not field.attribute or field.column_name not in row:
            return
        updating = instance.pk is not None
        if updating and (field.attribute == "key" or _is_empty(row[field.column_name])):
            return
        value = field.clean(row, **kwargs)
        if updating and _same_text(value, _as_imported(field, getattr(instance, field.attribute))):
            return
        setattr(instance, field.attribute, value)

    def import_instance(self, instance, row, **kwargs) -> None:
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.pk is None and "key" not in errors:
            if not instance.key:
                instance.key = make_key(instance.record, self.taken_keys)
            elif instance.key in self.index.keys:
                errors["key"] = [
                    (
                        f"“{instance.key}” is already the key of another reference; change it in the file, "
                        "or leave it empty and Cramps will make one."
                    )
                ]
            elif instance.key in self.key_rows:
                errors["key"] = [f"“{instance.key}” is already the key of row {self.key_rows[instance.key]}."]
            self.taken_keys.add(instance.key)
            self.key_rows.setdefault(instance.key, kwargs["row_number"])
        if errors:
            raise ValidationError(errors)


def _column(header: object) -> str:
    """``"Container Title"`` → ``container_title``: headers as a person might type them."""
    return "_".join(str(header or "").strip().lower().replace("-", " ").split())


def _is_empty(value: object) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _as_imported(field, value: object) -> object:
    """A stored value as the field's widget would import it (a DOI lower-cased, text stripped)."""
    try:
        return field.widget.clean(value)
    except (ValueError, ArithmeticError):
        return value


def _same_text(new: object, old: object) -> bool:
    if isinstance(new, str) and isinstance(old, str):
        return new.split() == old.split()
    return new == old
