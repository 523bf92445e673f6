"""What a page or reference held in a version, and what differs between two such states.

A page's state is the dict ``cramps.transfer.document_data`` gives (fields, tags, related
nutrients, inline rows), so history, content import and export describe a page one way. A
version keeps the page's row with its inline rows, tagged items and cited references in one
reversion revision (``recording.register_models``); ``version_content`` rebuilds the dict from
them. A reference's state is its record.
"""

from dataclasses import dataclass
from functools import cache

from django.contrib.contenttypes.models import ContentType
from django.utils.safestring import SafeString, mark_safe
from reversion.models import Version
from reversion_compare.helpers import generate_dmp_diff
from taggit.models import Tag, TaggedItem

from references.models import STUDY_FIELDS, Reference
from references.record import RECORD_FIELDS

from .. import transfer
from ..models import Article, Document, Nutrient


def version_content(version: Version) -> dict:
    """The state ``version`` recorded, in the shape ``current_content`` gives for the live object."""
    if version._model is Reference:
        fields = version.field_dict
        return {name: fields.get(name) for name in (*RECORD_FIELDS, *STUDY_FIELDS)}
    return _document_content(version)


def current_content(obj) -> dict:
    if isinstance(obj, Reference):
        return obj.record | obj.study
    return transfer.document_data(obj)


def _document_content(version: Version) -> dict:
    model: type[Document] = version._model
    fields = version.field_dict
    data = {name: transfer.scalar_text(fields.get(name)) for name in transfer.SCALARS[model]}
    rows = _revision_rows(version)
    own_type = ContentType.objects.get_for_model(model).pk
    tagged = [
        row["tag_id"]
        for row in rows.get(TaggedItem, [])
        if row["content_type_id"] == own_type and str(row["object_id"]) == version.object_id
    ]
    tag_names = {row["id"]: row["name"] for row in rows.get(Tag, [])}
    missing = [pk for pk in tagged if pk not in tag_names]
    tag_names.update(Tag.objects.filter(pk__in=missing).values_list("pk", "name"))
    data["tags"] = sorted((tag_names[pk] for pk in tagged if pk in tag_names), key=str.casefold)
    if model is Article:
        slugs = dict(
            Nutrient.objects.filter(pk__in=fields.get("related_nutrients", [])).values_list("pk", "slug")
        )
        data["related_nutrients"] = sorted(slugs.values())
    for name, (row_model, row_fields) in transfer.INLINES[model].items():
        owner = f"{row_model.owner_field}_id"
        own = sorted(
            (row for row in rows.get(row_model, []) if str(row[owner]) == version.object_id),
            key=lambda row: (row["position"], row["id"]),
        )
        data[name] = [
            row["text"] if row_fields == ("text",) else {f: row[f] for f in row_fields} for row in own
        ]
    return data


def _revision_rows(version: Version) -> dict[type, list[dict]]:
    """Every object in the version's revision as {model: [field values with "id"]}."""
    rows: dict[type, list[dict]] = {}
    for other in version.revision.version_set.all():
        rows.setdefault(other._model, []).append({"id": int(other.object_id), **other.field_dict})
    return rows


def revision_references(version: Version) -> dict[str, Version]:
    """The versions of the references a page's version cited, by key."""
    content_type = ContentType.objects.get_for_model(Reference)
    return {
        other.field_dict["key"]: other
        for other in version.revision.version_set.filter(content_type=content_type)
    }


@dataclass(frozen=True)
class Difference:
    label: str
    html: SafeString  # escaped text with <ins>/<del> marks (django-reversion-compare, diff-match-patch)


def differences(model: type, old: dict, new: dict) -> list[Difference]:
    """What differs between two states of one object, part by part, as escaped HTML diffs."""
    found = [
        Difference(_label(model, name), _html_diff(_text(old.get(name)), _text(new.get(name))))
        for name in new
        if old.get(name) != new.get(name)
    ]
    if model is not Reference:
        old_keys, new_keys = transfer.cited_references(old), transfer.cited_references(new)
        if old_keys != new_keys:
            found.append(Difference("cited references", _html_diff(_keys(old_keys), _keys(new_keys))))
    return found


def _html_diff(old: str, new: str) -> SafeString:
    """Changes marked inside the lines; diff-match-patch output, which escapes the text it marks up."""
    return mark_safe(generate_dmp_diff(old, new))


def _keys(keys: list[str]) -> str:
    return "\n".join(f"@{key}" for key in keys)


@cache
def _label(model: type, name: str) -> str:
    if model is Reference:
        return str(Reference._meta.get_field(name).verbose_name)
    return transfer.part_label(model, name)


def _text(value: object) -> str:
    """A value as plain text for a line diff: lists one item per line, rows as "field: value" lines."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        items = []
        for item in value:
            if isinstance(item, dict):
                items.append("\n".join(f"{name}: {text}" for name, text in item.items()))
            else:
                items.append(str(item))
        separator = "\n\n" if any(isinstance(item, dict) for item in value) else "\n"
        return separator.join(items)
    return str(value)
