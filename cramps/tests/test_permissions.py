"""The permission matrix: every role against every admin page and action, and unpublished pages.

Roles: anonymous, Writer, Medical reviewer, Publisher, staff who may only view, staff with no
permissions, and a superuser. Each case runs for every role on the same site (rolled back after
each role): a role it allows must get the page or the change; any other role is refused (login
for anonymous, 403, a form error, or 404 for a reader's page) and the database is unchanged.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from reversion.models import Revision, Version
from taggit.models import TaggedItem

from cramps.models import (
    FAQ,
    Article,
    Citation,
    FoodSource,
    Interaction,
    KeyPoint,
    Nutrient,
    Status,
    Transition,
)
from cramps.transfer import content_export
from references.models import Reference

from .factories import make_article, make_nutrient, make_reference, make_user

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "writer", "reviewer", "publisher", "viewer", "nobody", "superuser")
VIEWERS = frozenset({"writer", "reviewer", "publisher", "viewer", "superuser"})
EDITORS = frozenset({"writer", "reviewer", "publisher", "superuser"})
PUBLISHERS = frozenset({"publisher", "superuser"})
REVIEWERS = frozenset({"reviewer", "superuser"})
WRITERS_REFUSED_BY_FORM = {"writer": 200, "reviewer": 200}  # a form error naming the role needed


@dataclass
class World:
    users: dict
    draft: Article
    live: Article
    draft_nutrient: Nutrient
    live_nutrient: Nutrient
    reference: Reference
    draft_first_version: Version
    deleted_article: Version
    deleted_reference: Version

    def page(self, kind: str, state: str):
        return {("article", "draft"): self.draft, ("article", "live"): self.live,
                ("nutrient", "draft"): self.draft_nutrient, ("nutrient", "live"): self.live_nutrient}[kind, state]  # fmt: skip


def build_world(committed) -> World:
    users = {
        "writer": make_user("writer", "Writer"),
        "reviewer": make_user("reviewer", "Medical reviewer"),
        "publisher": make_user("publisher", "Publisher"),
        "viewer": make_user("viewer", permissions=["view_article", "view_nutrient", "view_reference"]),
        "nobody": make_user("nobody"),
        "superuser": make_user("boss", is_superuser=True),
    }
    make_reference(key="cited2001")
    with committed():
        draft = make_article(title="Draft article", slug="draft", status=Status.DRAFT, body="[@cited2001]",
                             key_points=["A point."])  # fmt: skip
        live = make_article(title="Live article", slug="live", key_points=["Live point."])
        draft_nutrient = make_nutrient(
            title="Draft nutrient",
            slug="draft-nutrient",
            status=Status.DRAFT,
            foods=[("Nuts", "", "[@cited2001]")],
        )
        live_nutrient = make_nutrient(title="Live nutrient", slug="live-nutrient")
        reference = make_reference(key="uncited2002", title="An uncited study")
        gone = make_article(title="Deleted article", slug="gone", status=Status.DRAFT)
        gone_reference = make_reference(key="gone2003")
    first = Version.objects.get_for_object(draft).get()
    with committed():
        draft.title = "Draft article, edited"
        draft.save()
        gone.delete()
        gone_reference.delete()
        reference.title = "An uncited study, retitled"
        reference.save()
    return World(users, Article.objects.get(pk=draft.pk), live, draft_nutrient, live_nutrient, reference, first,
                 Version.objects.get_deleted(Article).get(), Version.objects.get_deleted(Reference).get())  # fmt: skip


def snapshot() -> list:
    """Everything a refused request might have changed."""
    models = (
        Article,
        Nutrient,
        KeyPoint,
        FAQ,
        FoodSource,
        Interaction,
        TaggedItem,
        Reference,
        Citation,
        Transition,
    )
    return [list(model.objects.order_by("pk").values()) for model in models] + [
        Version.objects.count(), Revision.objects.count(), LogEntry.objects.count()]  # fmt: skip


@dataclass(frozen=True)
class Case:
    name: str
    request: Callable[[Client, World], object]
    allowed: frozenset
    effect: Callable[[World], bool] | None = None  # for an allowed role: what changed
    refusals: dict = field(default_factory=dict)  # role → status, where not 403
    public: bool = False  # a reader's page: refused with 404


def admin_form(world: World, kind: str, state: str, **overrides) -> dict:
    page = world.page(kind, state)
    data = {"title": page.title, "slug": page.slug, "summary": page.summary, "body": page.body,
            "status": page.status, "tags": "", "kind": "mineral", "evidence_grade": "insufficient"}  # fmt: skip
    for prefix in ("key_points", "faqs", "intake_values", "food_sources", "forms", "interactions"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data | overrides


def action(kind: str, name: str, state: str, **extra):
    def post(client, world):
        data = {"action": name, "_selected_action": [world.page(kind, state).pk], **extra}
        return client.post(f"/admin/cramps/{kind}/", data)

    return post


def get(url: str | Callable[[World], str]):
    return lambda client, world: client.get(url(world) if callable(url) else url)


def status_of(kind: str, state: str) -> Callable[[World], str]:
    return lambda world: type(world.page(kind, state)).objects.get(pk=world.page(kind, state).pk).status


ROWS = {"article": ("key_points", "text"), "nutrient": ("food_sources", "food")}


def change_row(kind: str):
    """Post the draft's change form with its one inline row edited, as the browser would."""

    def post(client, world):
        draft = world.page(kind, "draft")
        prefix, field_name = ROWS[kind]
        row = getattr(draft, prefix).get()
        data = admin_form(world, kind, "draft")
        data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "1", f"{prefix}-0-id": str(row.pk),
                     f"{prefix}-0-{type(row).owner_field}": str(draft.pk), f"{prefix}-0-position": "0",
                     f"{prefix}-0-{field_name}": "Changed row."})  # fmt: skip
        if kind == "nutrient":
            data[f"{prefix}-0-source"] = "[@cited2001]"  # a fact row must cite its source
        return client.post(f"/admin/cramps/{kind}/{draft.pk}/change/", data)

    return post


def row_text(kind: str):
    prefix, field_name = ROWS[kind]
    return lambda world: getattr(getattr(world.page(kind, "draft"), prefix).get(), field_name)


def content_import(client, world):
    data = json.loads(content_export())
    next(item for item in data["articles"] if item["slug"] == "draft")["title"] = "Imported title"
    upload = SimpleUploadedFile("site.json", json.dumps(data).encode())
    preview = client.post("/admin/cramps/article/import-content/", {"content_file": upload})
    if preview.status_code != 200:
        return preview
    return client.post(
        "/admin/cramps/article/import-content/", {"confirm": "1", "token": preview.context["token"]}
    )


def document_cases(kind: str) -> list[Case]:
    base = f"/admin/cramps/{kind}"
    model = Article if kind == "article" else Nutrient

    def page(state):
        return lambda world: world.page(kind, state)

    def title(state):
        return lambda world: model.objects.get(pk=page(state)(world).pk).title

    def gone(state):
        return lambda world: not model.objects.filter(pk=page(state)(world).pk).exists()

    later = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%d")
    return [
        Case(f"{kind} changelist", get(f"{base}/"), VIEWERS),
        Case(f"{kind} add page", get(f"{base}/add/"), EDITORS),
        Case(
            f"{kind} add a draft",
            lambda c, w: c.post(
                f"{base}/add/", admin_form(w, kind, "draft", title="New", slug="new", status=Status.DRAFT)
            ),
            EDITORS,
            lambda w: model.objects.filter(slug="new").exists(),
        ),
        Case(
            f"{kind} add as published",
            lambda c, w: c.post(
                f"{base}/add/", admin_form(w, kind, "draft", title="New", slug="new", status=Status.PUBLISHED)
            ),
            PUBLISHERS,
            lambda w: model.objects.get(slug="new").is_public,
            WRITERS_REFUSED_BY_FORM,
        ),
        Case(
            f"{kind} change page of a draft", get(lambda w: f"{base}/{page('draft')(w).pk}/change/"), VIEWERS
        ),
        Case(
            f"{kind} change a draft",
            lambda c, w: c.post(
                f"{base}/{page('draft')(w).pk}/change/", admin_form(w, kind, "draft", title="Changed")
            ),
            EDITORS,
            lambda w: title("draft")(w) == "Changed",
        ),
        Case(
            f"{kind} change a row of a draft",
            change_row(kind),
            EDITORS,
            lambda w: row_text(kind)(w) == "Changed row.",
        ),
        Case(
            f"{kind} publish through the status field",
            lambda c, w: c.post(
                f"{base}/{page('draft')(w).pk}/change/", admin_form(w, kind, "draft", status=Status.PUBLISHED)
            ),
            PUBLISHERS,
            lambda w: status_of(kind, "draft")(w) == Status.PUBLISHED,
            WRITERS_REFUSED_BY_FORM,
        ),
        Case(
            f"{kind} change a published page",
            lambda c, w: c.post(
                f"{base}/{page('live')(w).pk}/change/", admin_form(w, kind, "live", title="Changed")
            ),
            PUBLISHERS,
            lambda w: title("live")(w) == "Changed",
        ),
        Case(
            f"{kind} delete a draft",
            lambda c, w: c.post(f"{base}/{page('draft')(w).pk}/delete/", {"post": "yes"}),
            PUBLISHERS,
            gone("draft"),
        ),
        Case(
            f"{kind} delete a published page",
            lambda c, w: c.post(f"{base}/{page('live')(w).pk}/delete/", {"post": "yes"}),
            PUBLISHERS,
            gone("live"),
        ),
        Case(f"{kind} history", get(lambda w: f"{base}/{page('draft')(w).pk}/history/"), VIEWERS),
        Case(f"{kind} recover list", get(f"{base}/recover/"), EDITORS),
        Case(
            f"{kind} action publish",
            action(kind, "publish", "draft"),
            PUBLISHERS,
            lambda w: status_of(kind, "draft")(w) == Status.PUBLISHED,
        ),
        Case(
            f"{kind} action unpublish",
            action(kind, "unpublish", "live"),
            PUBLISHERS,
            lambda w: status_of(kind, "live")(w) == Status.DRAFT,
        ),
        Case(
            f"{kind} action schedule",
            action(kind, "schedule", "draft", apply="1", publish_at_0=later, publish_at_1="09:00:00"),
            PUBLISHERS,
            lambda w: status_of(kind, "draft")(w) == Status.PUBLISHED,
        ),
        Case(
            f"{kind} action submit for review",
            action(kind, "send_to_review", "draft"),
            EDITORS,
            lambda w: status_of(kind, "draft")(w) == Status.REVIEW,
        ),
        Case(
            f"{kind} action send a published page to review",
            action(kind, "send_to_review", "live"),
            PUBLISHERS,
            lambda w: status_of(kind, "live")(w) == Status.REVIEW,
            {"writer": 302, "reviewer": 302},
        ),
        Case(
            f"{kind} action record the review",
            action(
                kind, "record_review", "draft", apply="1", medical_reviewer="Dr R", reviewed_on="2026-01-02"
            ),
            REVIEWERS,
            lambda w: type(page("draft")(w)).objects.get(pk=page("draft")(w).pk).medical_reviewer == "Dr R",
        ),
        Case(
            f"{kind} action record the review of a published page",
            action(
                kind, "record_review", "live", apply="1", medical_reviewer="Dr R", reviewed_on="2026-01-02"
            ),
            REVIEWERS,
            lambda w: type(page("live")(w)).objects.get(pk=page("live")(w).pk).medical_reviewer == "Dr R",
        ),
        Case(f"{kind} draft page", get(lambda w: page("draft")(w).get_absolute_url()), VIEWERS, public=True),
        Case(
            f"{kind} draft handout",
            get(lambda w: f"{page('draft')(w).get_absolute_url()}handout.pdf"),
            VIEWERS,
            public=True,
        ),
    ]


CASES = [
    *document_cases("article"),
    *document_cases("nutrient"),
    Case(
        "combined handout with a draft",
        get("/handout.pdf?items=article:live,article:draft,nutrient:draft-nutrient"),
        VIEWERS,
        public=True,
    ),
    Case(
        "article restore a version",
        lambda c, w: c.post(f"/admin/cramps/article/{w.draft.pk}/history/{w.draft_first_version.pk}/"),
        EDITORS,
        lambda w: Article.objects.get(pk=w.draft.pk).title == "Draft article",
    ),
    Case(
        "article version page",
        get(lambda w: f"/admin/cramps/article/{w.draft.pk}/history/{w.draft_first_version.pk}/"),
        VIEWERS,
    ),
    Case(
        "article recover",
        lambda c, w: c.post(f"/admin/cramps/article/recover/{w.deleted_article.pk}/"),
        EDITORS,
        lambda w: Article.objects.filter(slug="gone").exists(),
    ),
    Case("content export", get("/admin/cramps/article/export-content/"), PUBLISHERS),
    Case(
        "content import",
        content_import,
        PUBLISHERS,
        lambda w: Article.objects.get(pk=w.draft.pk).title == "Imported title",
    ),
    Case("reference changelist", get("/admin/references/reference/"), VIEWERS),
    Case(
        "reference add",
        lambda c, w: c.post(
            "/admin/references/reference/add/",
            {"key": "new2024", "type": "article-journal", "title": "New", "authors": "", "editors": ""},
        ),
        EDITORS,
        lambda w: Reference.objects.filter(key="new2024").exists(),
    ),
    Case(
        "reference change",
        lambda c, w: c.post(
            f"/admin/references/reference/{w.reference.pk}/change/",
            {
                "key": "uncited2002",
                "type": "article-journal",
                "title": "Corrected",
                "authors": "",
                "editors": "",
            },
        ),
        EDITORS,
        lambda w: Reference.objects.get(pk=w.reference.pk).title == "Corrected",
    ),
    Case(
        "reference delete",
        lambda c, w: c.post(f"/admin/references/reference/{w.reference.pk}/delete/", {"post": "yes"}),
        PUBLISHERS,
        lambda w: not Reference.objects.filter(pk=w.reference.pk).exists(),
    ),
    Case(
        "reference restore a version",
        lambda c, w: c.post(f"/admin/references/reference/{w.reference.pk}/history/{reference_first(w).pk}/"),
        EDITORS,
        lambda w: Reference.objects.get(pk=w.reference.pk).title == "An uncited study",
    ),
    Case(
        "reference history", get(lambda w: f"/admin/references/reference/{w.reference.pk}/history/"), VIEWERS
    ),
    Case(
        "reference recover",
        lambda c, w: c.post(f"/admin/references/reference/recover/{w.deleted_reference.pk}/"),
        EDITORS,
        lambda w: Reference.objects.filter(key="gone2003").exists(),
    ),
    Case("reference import page", get("/admin/references/reference/import/"), EDITORS),
    Case("reference export page", get("/admin/references/reference/export/"), EDITORS),
]


def reference_first(world: World) -> Version:
    return Version.objects.get_for_object(world.reference).order_by("pk").first()


def expected_refusal(case: Case, role: str) -> int:
    if case.public:
        return 404
    if role == "anonymous":
        return 302  # to the login page
    return case.refusals.get(role, 403)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_permission_matrix(case, subtests, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_world(lambda: django_capture_on_commit_callbacks(execute=True))
    for role in ROLES:
        with subtests.test(role=role):
            client = Client()
            if role != "anonymous":
                client.force_login(world.users[role])
            savepoint = transaction.savepoint()
            try:
                before = snapshot()
                response = case.request(client, world)
                if role in case.allowed:
                    assert response.status_code in (200, 302), (role, response.status_code)
                    if response.status_code == 200 and hasattr(response, "context") and response.context:
                        form = response.context.get("adminform")
                        assert form is None or not form.form.errors, form.form.errors
                    if case.effect is not None:
                        assert case.effect(world), f"{role} was allowed but nothing changed"
                else:
                    assert response.status_code == expected_refusal(case, role), (role, response.status_code)
                    if role == "anonymous" and not case.public:
                        assert response["Location"].startswith("/admin/login/")
                    assert snapshot() == before, f"{role} was refused but the database changed"
            finally:
                transaction.savepoint_rollback(savepoint)
