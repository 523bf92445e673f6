"""A site's content as one JSON file, to move it between Cramps instances.

The file holds every nutrient and article (with tags, key points, FAQs, food sources,
interactions and related nutrients by slug) and the full record of every reference they cite.
It is deterministic: keys sorted, items ordered by slug (references by key), inline rows in
their display order, no database ids and no timestamps but ``publish_at`` and ``reviewed_on``;
so exporting, importing into an empty site and exporting again gives the same bytes.

Importing checks everything before writing anything (a problem names the item and field),
then writes in one transaction: references first (matched by key; a reference that is the same
work as one here under another key is refused, since the documents cite it by the file's key),
then nutrients and articles (matched by slug, their inline rows replaced), each rendered by
its own save, with its Citation rows rebuilt. Only items identical to what the site has are
"unchanged" and left untouched; the summary names what differs in every other one. An import
by a user needs the add or change permission of everything it writes; status and medical
review go through ``cramps.workflow``, so they need the publish and review permissions and
are recorded there.
"""

import copy
import datetime
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from references.citations import cited_keys
from references.formats.common import ParseError, read_text
from references.matching import find_matches
from references.models import STUDY_FIELDS, Reference
from references.record import RECORD_FIELDS, empty_record
from references.validators import unknown_keys_message

from . import workflow
from .citing import citations_batch, citations_sync
from .models import Article, Document, Nutrient, permission_name
from .services import INLINES as DOCUMENT_INLINES
from .validators import markdown_problems, validate_markdown

FORMAT = "cramps-content"
VERSION = 1

# The plain fields of each kind of document, and its lists.
_DOCUMENT_SCALARS = ("title", "slug", "summary", "body", "status", "publish_at", "featured", "medical_reviewer",
                     "reviewed_on")  # fmt: skip
SCALARS = {
    Article: _DOCUMENT_SCALARS,
    Nutrient: (
        *_DOCUMENT_SCALARS,
        "kind",
        "aliases",
        "evidence_grade",
        "evidence_rationale",
        "role",
        "at_risk",
    ),
}
# Changed only through cramps.workflow, which checks and records each step.
WORKFLOW_FIELDS = ("status", "publish_at", "medical_reviewer", "reviewed_on")
# The fields of one inline row in the file; key points are plain strings.
ROW_FIELDS = {
    "key_points": ("text",),
    "faqs": ("question", "answer"),
    "intake_values": (
        "life_stage",
        "ages",
        "sex",
        "kind",
        "amount",
        "upper_limit",
        "limit_scope",
        "unit",
        "note",
        "source",
    ),
    "food_sources": ("food", "serving", "amount", "daily_value", "notes", "source"),
    "forms": ("form", "dose", "elemental", "notes", "source"),
    "interactions": ("medication", "direction", "effect", "advice", "source"),
}
# Inline rows per document model: {field: (row model, row fields)}, from services.INLINES.
INLINES = {
    model: {name: (getattr(model, name).rel.related_model, ROW_FIELDS[name]) for name in names}
    for model, names in DOCUMENT_INLINES.items()
}
LISTS = {
    Article: ("tags", "related_nutrients", *DOCUMENT_INLINES[Article]),
    Nutrient: ("tags", *DOCUMENT_INLINES[Nutrient]),
}
TAG_MAX_LENGTH = 100


class ContentImportError(Exception):
    """The file was refused; ``problems`` lists every reason, each naming the item and field."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportedItem:
    kind: str  # "reference", "nutrient" or "article"
    name: str  # key or slug
    title: str
    action: str  # "new", "update" or "unchanged"
    changes: tuple[str, ...] = ()  # for an update: what differs, e.g. ("title", "key points", "citations")


@dataclass
class ContentImportSummary:
    items: list[ImportedItem] = field(default_factory=list)

    def count(self, kind: str, action: str) -> int:
        return sum(item.kind == kind and item.action == action for item in self.items)

    def __str__(self) -> str:
        parts = []
        for kind in ("reference", "nutrient", "article"):
            counts = ", ".join(
                f"{self.count(kind, action)} {action}" for action in ("new", "update", "unchanged")
            )
            parts.append(f"{kind}s: {counts}")
        return "; ".join(parts).capitalize()


# Export ----------------------------------------------------------------------------------------


def content_export() -> str:
    """Every nutrient and article, and the references they cite, as the JSON text of the file."""
    nutrients = Nutrient.objects.order_by("slug").prefetch_related("tags", *DOCUMENT_INLINES[Nutrient])
    articles = Article.objects.order_by("slug").prefetch_related(
        "tags", "key_points", "faqs", "related_nutrients"
    )
    documents = [*nutrients, *articles]
    keys = cited_keys(text for document in documents for _, text in document.citation_sources())
    data = {
        "format": FORMAT,
        "version": VERSION,
        "references": [reference_data(r) for r in Reference.objects.filter(key__in=keys).order_by("key")],
        "nutrients": [document_data(nutrient) for nutrient in nutrients],
        "articles": [document_data(article) for article in articles],
    }
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def reference_data(reference: Reference) -> dict:
    data = reference.record | reference.study
    data["accessed"] = reference.accessed.isoformat() if reference.accessed else None
    return data


def document_data(document: Document) -> dict:
    model = type(document)
    data = {name: scalar_text(getattr(document, name)) for name in SCALARS[model]}
    data["tags"] = sorted((tag.name for tag in document.tags.all()), key=str.casefold)
    if model is Article:
        data["related_nutrients"] = sorted(nutrient.slug for nutrient in document.related_nutrients.all())
    for name, (_, row_fields) in INLINES[model].items():
        rows = getattr(document, name).all()
        data[name] = [
            row.text if row_fields == ("text",) else {f: getattr(row, f) for f in row_fields} for row in rows
        ]
    return data


def _empty_document_data(model: type[Document]) -> dict:
    document = model()
    lists = {name: [] for name in LISTS[model]}
    return {name: scalar_text(getattr(document, name)) for name in SCALARS[model]} | lists


def part_label(model: type[Document], name: str) -> str:
    """How an editor calls a part of a page's data: "title", "key points", "related nutrients"."""
    if name in INLINES[model]:
        return str(INLINES[model][name][0]._meta.verbose_name_plural)
    if name == "tags":
        return "tags"
    return str(model._meta.get_field(name).verbose_name)


def changed_parts(model: type[Document], old: dict, new: dict) -> list[str]:
    """What differs between two ``document_data`` dicts, in file order, and how the citations change."""
    changes = [part_label(model, name) for name in (*SCALARS[model], *LISTS[model]) if old[name] != new[name]]
    old_keys, new_keys = cited_references(old), cited_references(new)
    if old_keys != new_keys:
        listed = [f"+@{key}" for key in new_keys if key not in old_keys]
        listed += [f"−@{key}" for key in old_keys if key not in new_keys]
        changes.append(f"citations ({', '.join(listed)})" if listed else "citation order")
    return changes


def cited_references(data: dict) -> list[str]:
    """Every key the texts of a page's data cite, in order of first appearance in the file."""
    texts = []
    for value in data.values():
        for item in value if isinstance(value, list) else [value]:
            texts.extend(item.values() if isinstance(item, dict) else [item])
    return cited_keys(text for text in texts if isinstance(text, str))


def scalar_text(value: object) -> object:
    """Dates as ISO text, date-times in UTC; anything else as it is."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


# Import ----------------------------------------------------------------------------------------


@dataclass
class _Planned:
    """One item of the file, checked and ready to write."""

    item: ImportedItem
    instance: models.Model
    data: dict = field(default_factory=dict)
    workflow_before: dict = field(default_factory=dict)  # a page's status and review as they are


def content_import(*, data: bytes | str | dict, dry_run: bool = False, user=None) -> ContentImportSummary:
    """Import a file ``content_export`` wrote; all or nothing. ``dry_run`` checks and rolls back.

    ``user`` must hold the permissions for everything the file changes; None (a command) may
    do anything.
    """
    content = _parse(data)
    try:
        with transaction.atomic():
            summary = _import(content, user)
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError as error:
        # Another change to the site between the checks and the writes.
        raise ContentImportError(
            [f"The database refused the import ({error}); nothing was imported."]
        ) from None
    return summary


def _import(content: dict, user) -> ContentImportSummary:
    """Check every item, then write references, nutrients and articles (the caller's transaction)."""
    planner = _Planner(content, user)
    references, documents = planner.plan()
    if planner.problems:
        raise ContentImportError(planner.problems)
    for planned in references:
        if planned.item.action != "unchanged":
            planned.instance.save()
    nutrient_pks = {}
    # Rows re-sync once per page at the end, not once per saved inline row.
    with citations_batch():
        changed = [planned for planned in documents if planned.item.action != "unchanged"]
        for planned in documents:
            if planned.item.action != "unchanged":
                # Content first, keeping the page's current state; the workflow then takes its steps.
                data = planned.data | planned.workflow_before
                document_write(document=planned.instance, data=data, nutrient_pks=nutrient_pks)
            if isinstance(planned.instance, Nutrient):
                nutrient_pks[planned.instance.slug] = planned.instance.pk
        for planned in changed:
            citations_sync(document=planned.instance)
            workflow.document_transition(
                document=planned.instance,
                user=user,
                **{name: stored_value(name, planned.data[name]) for name in WORKFLOW_FIELDS},
            )
    return ContentImportSummary([planned.item for planned in [*references, *documents]])


def _parse(data: bytes | str | dict) -> dict:
    if not isinstance(data, dict):
        try:
            data = json.loads(read_text(data))
        except ParseError as error:
            raise ContentImportError([str(error)]) from None
        except json.JSONDecodeError as error:
            raise ContentImportError(
                [f"The file is not valid JSON: line {error.lineno}, column {error.colno}: {error.msg}."]
            ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ContentImportError([f'This is not a Cramps content file (it should say "format": "{FORMAT}").'])
    if data.get("version") != VERSION:
        raise ContentImportError(
            [f"This content file is version {data.get('version')!r}; Cramps reads {VERSION}."]
        )
    unknown = sorted(set(data) - {"format", "version", "references", "nutrients", "articles"})
    problems = [f"Unknown section “{name}” at the top of the file." for name in unknown]
    for section in ("references", "nutrients", "articles"):
        if not isinstance(data.get(section, []), list):
            problems.append(f"“{section}” should be a list.")
    if problems:
        raise ContentImportError(problems)
    return data


class _Planner:
    """Checks every item of a content file against the site and the rest of the file."""

    def __init__(self, content: dict, user=None):
        self.content = content
        self.user = user
        self.problems: list[str] = []
        self.known_keys = set(Reference.objects.values_list("key", flat=True))
        self.known_nutrients = set(Nutrient.objects.values_list("slug", flat=True))

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def plan(self) -> tuple[list[_Planned], list[_Planned]]:
        references = self._references(self.content.get("references", []))
        self.known_nutrients |= {
            item.get("slug") for item in self.content.get("nutrients", []) if isinstance(item, dict)
        }
        documents = [
            *self._documents(self.content.get("nutrients", []), Nutrient),
            *self._documents(self.content.get("articles", []), Article),
        ]
        return references, documents

    # References

    def _references(self, items: list) -> list[_Planned]:
        # Items are checked in two passes (the duplicate check runs on all of them at once);
        # problems are listed in item order all the same.
        first_problem, owners = len(self.problems), []

        def owned_by(number: int) -> None:
            owners.extend([number] * (len(self.problems) - first_problem - len(owners)))

        readable: list[tuple[int, str, dict]] = []
        for number, item in enumerate(items, 1):
            where = f"Reference {number}"
            if not isinstance(item, dict):
                self.problem(where, "should be an object with the reference's fields.")
                continue
            key = item.get("key")
            where = f"Reference @{key}" if isinstance(key, str) and key else where
            record = self._reference_record(item, where)
            if record is not None and record["key"] in {other["key"] for *_, other in readable}:
                self.problem(where, "the file lists this key twice.")
            elif record is not None:
                readable.append((number, where, record))
            owned_by(number)
        # The one duplicate check, against this site and within the file.
        records = [record for *_, record in readable]
        stored = Reference.objects.same_work_candidates(records)
        stored_keys = {pk: record["key"] for pk, record in stored}
        planned = []
        for (number, where, record), match in zip(readable, find_matches(records, stored), strict=True):
            planned += self._planned_reference(where, record, match, records, stored_keys)
            owned_by(number)
        problems = self.problems[first_problem:]
        self.problems[first_problem:] = [problem for _, problem in sorted(zip(owners, problems, strict=True),
                                                                          key=lambda pair: pair[0])]  # fmt: skip
        return planned

    def _planned_reference(self, where, record, match, records, stored_keys) -> list[_Planned]:
        existing = Reference.objects.filter(key=record["key"]).first()
        if match and match.earlier is not None and records[match.earlier]["key"] != record["key"]:
            self.problem(
                where, f"the same work as @{records[match.earlier]['key']} in the file ({match.reason})."
            )
            return []
        if existing is None and match and match.stored is not None:
            self.problem(where, f"this is the same work as @{stored_keys[match.stored]} on this site ({match.reason}); "
                         "change one key to match the other, then import again.")  # fmt: skip
            return []
        action = (
            "new"
            if existing is None
            else ("unchanged" if existing.record | existing.study == record else "update")
        )
        if not self._may(Reference, "add" if action == "new" else "change", action, where):
            return []
        changes = tuple(name for name in record if existing and getattr(existing, name) != record[name])
        reference = existing or Reference()
        for name, value in record.items():
            setattr(reference, name, value)
        try:
            # On a copy: clean() normalises identifiers, and a move keeps the records as they were.
            # The summary may cite references this same file brings: checked against those below.
            copy.copy(reference).full_clean(exclude=["summary"])
        except ValidationError as error:
            self._report(where, error)
            return []
        if problems := self._summary_problems(record["summary"], records):
            self.problem(where, "“summary”: " + " ".join(problems))
            return []
        self.known_keys.add(record["key"])
        return [
            _Planned(ImportedItem("reference", record["key"], reference.title, action, changes), reference)
        ]

    def _may(self, model: type[models.Model], permission: str, action: str, where: str) -> bool:
        """Whether the importing user may write this item; names the missing permission if not."""
        if (
            action == "unchanged"
            or self.user is None
            or self.user.has_perm(permission_name(model, permission))
        ):
            return True
        verb = "add" if permission == "add" else "change"
        self.problem(where, f"you may not {verb} {model._meta.verbose_name_plural} "
                            f"(the “{permission_name(model, permission)}” permission).")  # fmt: skip
        return False

    def _summary_problems(self, summary: str, records: list[dict]) -> list[str]:
        """Why a study summary cannot be imported: its Markdown, or keys neither here nor in the file."""
        problems = markdown_problems(summary)
        known = self.known_keys | {record["key"] for record in records}
        if missing := [key for key in cited_keys([summary]) if key not in known]:
            problems.append(unknown_keys_message(missing))
        return problems

    def _reference_record(self, item: dict, where: str) -> dict | None:
        unknown = sorted(set(item) - {*RECORD_FIELDS, *STUDY_FIELDS})
        for name in unknown:
            self.problem(where, f"unknown field “{name}”.")
        record = empty_record() | Reference().study
        record |= {name: item[name] for name in (*RECORD_FIELDS, *STUDY_FIELDS) if name in item}
        ok = not unknown
        for name in ("authors", "editors"):
            names = record[name]
            if not isinstance(names, list) or not all(
                isinstance(person, dict) and person and all(isinstance(part, str) for part in person.values())
                for person in names
            ):
                self.problem(where, f'“{name}” should be a list of names like {{"family": …, "given": …}}.')
                ok = False
        if record["issued_year"] is not None and (
            isinstance(record["issued_year"], bool) or not isinstance(record["issued_year"], int)
        ):
            self.problem(where, "“issued_year” should be a whole number or null.")
            ok = False
        if record["accessed"] is not None:
            try:
                record["accessed"] = datetime.date.fromisoformat(record["accessed"])
            except (TypeError, ValueError):
                self.problem(where, "“accessed” should be a date written YYYY-MM-DD, or null.")
                ok = False
        participants = record["participants"]
        if participants is not None and (isinstance(participants, bool) or not isinstance(participants, int)):
            self.problem(where, "“participants” should be a whole number or null.")
            ok = False
        for name in (
            name
            for name in (*RECORD_FIELDS, *STUDY_FIELDS)
            if name not in ("authors", "editors", "issued_year", "accessed", "participants")
        ):
            if not isinstance(record[name], str):
                self.problem(where, f"“{name}” should be text.")
                ok = False
        return record if ok else None

    # Documents

    def _documents(self, items: list, model: type[Document]) -> list[_Planned]:
        kind = model._meta.model_name
        slugs: set[str] = set()
        planned = []
        for number, item in enumerate(items, 1):
            where = f"{model._meta.verbose_name.capitalize()} {number}"
            if not isinstance(item, dict):
                self.problem(where, "should be an object with the page's fields.")
                continue
            slug = item.get("slug")
            where = (
                f"{model._meta.verbose_name.capitalize()} “{slug}”"
                if isinstance(slug, str) and slug
                else where
            )
            problems_before = len(self.problems)
            for name in sorted(set(item) - set(SCALARS[model]) - set(LISTS[model])):
                self.problem(where, f"unknown field “{name}”.")
            for name in ("title", "slug"):
                if not isinstance(item.get(name), str) or not item[name].strip():
                    self.problem(where, f"“{name}” is required.")
            if slug in slugs:
                self.problem(where, f"the file lists this {kind} twice.")
            slugs.add(slug)
            if len(self.problems) > problems_before:
                continue
            data = self._document_values(item, model, where)
            if data is None:
                continue
            existing = model.objects.filter(slug=slug).first()
            if existing is None:
                action, changes = "new", ()
            else:
                changes = tuple(changed_parts(model, document_data(existing), data))
                action = "update" if changes else "unchanged"
            if action != "unchanged" and not self._document_allowed(existing or model(), data, action, where):
                continue
            document = existing or model()
            workflow_before = {name: scalar_text(getattr(document, name)) for name in WORKFLOW_FIELDS}
            for name in SCALARS[model]:
                setattr(document, name, stored_value(name, data[name]))
            errors = self._validate(document, exclude=())
            for name, (row_model, row_fields) in INLINES[model].items():
                for position, row in enumerate(data[name], 1):
                    values = {"text": row} if row_fields == ("text",) else row
                    row_errors = self._validate(row_model(**values), exclude=("article", "nutrient"))
                    for field_name, messages in row_errors.items():
                        errors.setdefault(f"{name} {position}, {field_name}", messages)
            if errors:
                for field_name, messages in errors.items():
                    self.problem(f"{where}, {field_name}", " ".join(messages))
                continue
            planned.append(
                _Planned(
                    ImportedItem(kind, slug, data["title"], action, changes), document, data, workflow_before
                )
            )
        return planned

    def _document_allowed(self, document: Document, data: dict, action: str, where: str) -> bool:
        """The add or change permission, and every workflow step the file's state and review need."""
        model = type(document)
        if not self._may(model, "add" if action == "new" else "change", action, where):
            return False
        if self.user is not None and not workflow.may_edit(self.user, document):
            self.problem(
                where, f"only a Publisher may change a published or scheduled {model._meta.verbose_name}."
            )
            return False
        target = {name: stored_value(name, data[name]) for name in WORKFLOW_FIELDS}
        try:
            workflow.transition_check(user=self.user, document=document, **target)
        except workflow.TransitionRefused as refusal:
            self.problem(where, refusal.message)
            return False
        return True

    def _document_values(self, item: dict, model: type[Document], where: str) -> dict | None:
        """The item with defaults filled in and lists in the order ``document_data`` gives, or None."""
        data = _empty_document_data(model) | item
        ok = True
        for name in LISTS[model]:
            value = data[name]
            row_fields = INLINES[model].get(name, (None, ()))[1]
            if row_fields and row_fields != ("text",):
                good = isinstance(value, list) and all(
                    isinstance(row, dict)
                    and set(row) <= set(row_fields)
                    and all(isinstance(v, str) for v in row.values())
                    for row in value
                )
                hint = f"a list of objects with {', '.join(row_fields)}"
                if good:
                    data[name] = [{f: row.get(f, "") for f in row_fields} for row in value]
            else:
                limit = TAG_MAX_LENGTH if name == "tags" else None
                good = isinstance(value, list) and all(
                    isinstance(text, str) and text.strip() and (limit is None or len(text) <= limit)
                    for text in value
                )
                hint = "a list of texts" + (f" of up to {limit} characters" if limit else "")
            if not good:
                self.problem(where, f"“{name}” should be {hint}.")
                ok = False
        if not isinstance(data["featured"], bool):
            self.problem(where, "“featured” should be true or false.")
            ok = False
        if data["publish_at"] is not None:
            moment = parse_datetime(data["publish_at"]) if isinstance(data["publish_at"], str) else None
            if moment is None:
                self.problem(
                    where, "“publish_at” should be a date and time like 2026-05-01T09:00:00+00:00, or null."
                )
                ok = False
            else:
                data["publish_at"] = scalar_text(
                    moment if timezone.is_aware(moment) else timezone.make_aware(moment)
                )
        if data["reviewed_on"] is not None:
            try:
                datetime.date.fromisoformat(data["reviewed_on"])
            except (TypeError, ValueError):
                self.problem(where, "“reviewed_on” should be a date written YYYY-MM-DD, or null.")
                ok = False
        for name in SCALARS[model]:
            if name not in ("featured", "publish_at", "reviewed_on") and not isinstance(data[name], str):
                self.problem(where, f"“{name}” should be text.")
                ok = False
        if not ok:
            return None
        data["tags"] = sorted(dict.fromkeys(tag.strip() for tag in data["tags"]), key=str.casefold)
        if model is Article:
            data["related_nutrients"] = sorted(set(data["related_nutrients"]))
            for slug in data["related_nutrients"]:
                if slug not in self.known_nutrients:
                    self.problem(where, f"related nutrient “{slug}” is neither on this site nor in the file.")
                    ok = False
        return data if ok else None

    def _validate(self, instance: models.Model, *, exclude: tuple[str, ...]) -> dict[str, list[str]]:
        """``full_clean`` problems, with citations checked against this site and the file's references."""
        markdown = [f for f in instance._meta.fields if validate_markdown in f.validators]
        errors: dict[str, list[str]] = {}
        try:
            instance.full_clean(exclude=[*exclude, *(f.name for f in markdown)])
        except ValidationError as error:
            errors = {name: list(messages) for name, messages in error.message_dict.items()}
        for markdown_field in markdown:
            value = getattr(instance, markdown_field.name)
            messages = [] if value or markdown_field.blank else ["This field cannot be blank."]
            for validator in markdown_field.validators:
                if validator is not validate_markdown:
                    try:
                        validator(value)
                    except ValidationError as error:
                        messages.extend(error.messages)
            messages.extend(markdown_problems(value))
            unknown = [key for key in cited_keys([value]) if key not in self.known_keys]
            if unknown:
                listed = ", ".join(f"@{key}" for key in unknown)
                messages.append(
                    f"cites {listed}, which is neither on this site nor among the file's references."
                )
            if messages:
                errors.setdefault(markdown_field.name, []).extend(messages)
        return errors

    def _report(self, where: str, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            self.problem(where if name == "__all__" else f"{where}, {name}", " ".join(messages))


def stored_value(name: str, value: object) -> object:
    if name == "publish_at":
        return parse_datetime(value) if value else None
    if name == "reviewed_on":
        return datetime.date.fromisoformat(value) if value else None
    return value


def document_write(*, document: Document, data: dict, nutrient_pks: dict[str, int] | None = None) -> None:
    """Make ``document`` hold ``data`` (``document_data``'s shape): fields, tags, related pages, rows.

    Inline rows are updated in place, so an unchanged row stays untouched. Workflow fields are
    written as given: callers pass the current ones and let ``cramps.workflow`` take any step.
    """
    nutrient_pks = nutrient_pks or {}
    for name in SCALARS[type(document)]:
        setattr(document, name, stored_value(name, data[name]))
    document.save()
    document.tags.set(data["tags"])
    if isinstance(document, Article):
        document.related_nutrients.set(
            nutrient_pks.get(slug) or Nutrient.objects.get(slug=slug).pk for slug in data["related_nutrients"]
        )
    for name, (row_model, row_fields) in INLINES[type(document)].items():
        rows = list(getattr(document, name).all())
        for position, item in enumerate(data[name]):
            row = rows[position] if position < len(rows) else row_model(**{row_model.owner_field: document})
            row.position = position
            for field_name, value in ({"text": item} if row_fields == ("text",) else item).items():
                setattr(row, field_name, value)
            row.save()
        for row in rows[len(data[name]) :]:
            row.delete()
