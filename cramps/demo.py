"""The demo content in ``fixtures/``, loaded only where the site has nothing by the same name.

The fixtures are Django fixture files (ids, foreign keys by id, so the reference import tests
can ``loaddata`` them too). Loading them with ``loaddata`` would overwrite a site's own rows that
happen to share an id; instead they are read as content (references by key, pages by slug, rows
and tags by the page they belong to) and imported through ``cramps.transfer``: anything whose key
or slug the site already has is skipped and left exactly as it is.

A later file may add to the pages of an earlier one: rows naming their page by its slug
(``"nutrient": ["magnesium"]``), and an item without a pk adding fields to the page with its slug
(``0005_nutrient_facts.json`` adds the nutrients' fact rows, role and who is at risk this way).
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from references.models import STUDY_FIELDS, Reference
from references.record import RECORD_FIELDS

from . import transfer
from .history import history_origin
from .models import Article, Nutrient

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
# Fixture model label → (section of the content file, model).
MODELS = {"cramps.nutrient": ("nutrients", Nutrient), "cramps.article": ("articles", Article)}


@dataclass
class DemoLoad:
    files: int
    summary: transfer.ContentImportSummary
    skipped: dict[str, list[str]] = field(default_factory=dict)  # kind → keys or slugs already here


def demo_content(paths: list[Path]) -> dict:
    """The fixture files as one content file (the shape ``transfer.content_export`` writes)."""
    objects = defaultdict(list)
    for path in paths:
        for item in json.loads(path.read_text(encoding="utf-8")):
            objects[item["model"]].append(item)
    for label in MODELS:
        _add_later_fields(objects, label)
    tag_names = {item["pk"]: item["fields"]["name"] for item in objects["taggit.tag"]}
    tags = defaultdict(list)
    for item in objects["taggit.taggeditem"]:
        app_label, model_name = item["fields"]["content_type"]
        tags[f"{app_label}.{model_name}", item["fields"]["object_id"]].append(
            tag_names[item["fields"]["tag"]]
        )
    nutrient_slugs = {item["pk"]: item["fields"]["slug"] for item in objects["cramps.nutrient"]}
    content = {
        "format": transfer.FORMAT,
        "version": transfer.VERSION,
        "references": [
            {name: item["fields"][name] for name in (*RECORD_FIELDS, *STUDY_FIELDS) if name in item["fields"]}
            for item in objects["references.reference"]
        ],
    }
    for label, (section, model) in MODELS.items():
        documents = []
        for item in objects[label]:
            fields = item["fields"]
            data = {name: fields[name] for name in transfer.SCALARS[model] if name in fields}
            data["tags"] = tags[label, item["pk"]]
            if model is Article:
                data["related_nutrients"] = [nutrient_slugs[pk] for pk in fields.get("related_nutrients", [])]
            for name, (row_model, row_fields) in transfer.INLINES[model].items():
                row_label = row_model._meta.label_lower
                # A row names its page by id, or by natural key (``["magnesium"]``, the slug).
                owners = (item["pk"], [fields["slug"]])
                rows = sorted(
                    (row for row in objects[row_label] if row["fields"][row_model.owner_field] in owners),
                    key=lambda row: (row["fields"]["position"], str(row["pk"])),
                )
                data[name] = [
                    row["fields"]["text"]
                    if row_fields == ("text",)
                    else {f: row["fields"][f] for f in row_fields if f in row["fields"]}
                    for row in rows
                ]
            documents.append(data)
        content[section] = documents
    return content


def _add_later_fields(objects: dict[str, list], label: str) -> None:
    """A later file may add fields to a page an earlier one defines: an item with no pk, naming its slug."""
    pages = {item["fields"]["slug"]: item for item in objects[label] if "pk" in item}
    for item in objects[label]:
        if "pk" not in item:
            pages[item["fields"]["slug"]]["fields"].update(item["fields"])
    objects[label] = list(pages.values())


def demo_load(*, fixtures: Path = FIXTURES, dry_run: bool = False) -> DemoLoad:
    """Import the demo items the site lacks; report the ones it already has (left as they are)."""
    paths = sorted(fixtures.glob("*.json"))
    content = demo_content(paths)
    skipped = {}
    for section, model, name in (("references", Reference, "key"), ("nutrients", Nutrient, "slug"),
                                 ("articles", Article, "slug")):  # fmt: skip
        present = set(model.objects.filter(**{f"{name}__in": [item[name] for item in content[section]]})
                      .values_list(name, flat=True))  # fmt: skip
        skipped[section] = sorted(present)
        content[section] = [item for item in content[section] if item[name] not in present]
    with history_origin(comment="Demo content loaded by the load_demo command"):
        summary = transfer.content_import(data=content, dry_run=dry_run)
    return DemoLoad(files=len(paths), summary=summary, skipped=skipped)
