"""Version history: every save path keeps a version; diffs, restore and recovery in the admin."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from reversion.models import Version

from cramps.models import Article, Citation, Nutrient, Status
from cramps.transfer import content_export, content_import
from cramps.workflow import document_transition
from references.models import Reference
from references.tests.http_fixture import SampleServer

from .factories import make_article, make_nutrient, make_reference, make_user
from .test_admin import article_form, inline_management

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "references" / "tests" / "samples"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block, then what it left for after the commit (versions are written then)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def versions_of(obj) -> list[Version]:
    return list(Version.objects.get_for_object(obj).select_related("revision__user").order_by("pk"))


def latest(obj) -> Version:
    return versions_of(obj)[-1]


def change_form(client, article: Article, **overrides) -> dict:
    """The change form as the browser would post it: every field, inline rows, and the lock."""
    response = client.get(f"/admin/cramps/article/{article.pk}/change/")
    form = response.context["adminform"].form
    data = {
        "title": article.title, "slug": article.slug, "summary": article.summary, "body": article.body,
        "status": article.status, "tags": ", ".join(article.tags.names()), "medical_reviewer": article.medical_reviewer,
        "reviewed_on": article.reviewed_on or "", "lock": form["lock"].value(),
        **inline_management("key_points", 0), **inline_management("faqs", 0),
    }  # fmt: skip
    points = list(article.key_points.all())
    data.update(inline_management("key_points", len(points)))
    data["key_points-INITIAL_FORMS"] = str(len(points))
    for n, point in enumerate(points):
        data.update({f"key_points-{n}-id": point.pk, f"key_points-{n}-article": article.pk,
                     f"key_points-{n}-position": point.position, f"key_points-{n}-text": point.text})  # fmt: skip
    data.update(overrides)
    return data


# Every path keeps a version


def test_admin_add_and_change_keep_versions_naming_the_editor(admin_client, committed):
    make_reference(key="rude1998")
    make_reference(key="wester1987")
    with committed():
        admin_client.post("/admin/cramps/article/add/", article_form())
    article = Article.objects.get()
    with committed():
        response = admin_client.post(
            f"/admin/cramps/article/{article.pk}/change/", change_form(admin_client, article, title="Renamed")
        )
    assert response.status_code == 302

    first, second = versions_of(article)
    assert first.revision.user.username == second.revision.user.username == "admin"
    assert "Added" in first.revision.get_comment()
    assert "Published" in first.revision.get_comment()  # the workflow's step, after the addition
    assert second.revision.get_comment() == "Changed Title."
    assert second.field_dict["title"] == "Renamed"


def test_a_save_that_changes_nothing_keeps_no_version(admin_client, committed):
    article = make_article(title="Same", key_points=["One."])
    with committed():
        admin_client.post(f"/admin/cramps/article/{article.pk}/change/", change_form(admin_client, article))
    with committed():
        response = admin_client.post(
            f"/admin/cramps/article/{article.pk}/change/", change_form(admin_client, article)
        )

    assert response.status_code == 302
    assert len(versions_of(article)) == 1


def test_a_version_follows_inline_rows_tags_and_cited_references(committed):
    reference = make_reference(key="rude1998", title="Magnesium deficiency")
    with committed():
        article = make_article(title="Night cramps", body="Text [@rude1998].", key_points=["Point."],
                               faqs=[("Q?", "A.")], tags=["dialysis"])  # fmt: skip

    kept = {(v.content_type.model, v.object_repr) for v in latest(article).revision.version_set.all()}

    assert {("article", "Night cramps"), ("keypoint", "Point."), ("faq", "Q?"), ("tag", "dialysis"),
            ("reference", str(reference))} <= kept  # fmt: skip


def test_plain_orm_saves_inline_rows_and_tags_keep_versions(committed):
    with committed():
        article = Article.objects.create(title="Plain", body="Text.")
    with committed():
        article.key_points.create(text="A new point.")
    with committed():
        article.tags.add("cramps")
    with committed():
        article.key_points.get().delete()

    comments = {v.revision.get_comment() for v in versions_of(article)}
    assert len(versions_of(article)) == 4
    assert comments == {"Saved outside a request or command"}


def test_content_import_keeps_versions_from_the_command_and_the_admin(admin_client, committed, tmp_path):
    make_reference(key="rude1998")
    with committed():
        nutrient = make_nutrient(slug="magnesium", title="Magnesium", summary="Old [@rude1998].")
    data = json.loads(content_export())
    data["nutrients"][0]["title"] = "Magnesium (Mg)"
    path = tmp_path / "site.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with committed():
        call_command("import_content", str(path), stdout=StringIO())
    assert latest(nutrient).revision.get_comment() == "Imported from site.json by the import_content command"

    data["nutrients"][0]["title"] = "Magnesium again"
    upload = SimpleUploadedFile("site.json", json.dumps(data).encode())
    preview = admin_client.post("/admin/cramps/nutrient/import-content/", {"content_file": upload})
    with committed():
        admin_client.post(
            "/admin/cramps/nutrient/import-content/", {"confirm": "1", "token": preview.context["token"]}
        )
    version = latest(nutrient)
    assert (version.revision.user.username, version.revision.get_comment()) == (
        "admin", "Imported from a content file in the admin")  # fmt: skip
    assert [v.field_dict["title"] for v in versions_of(nutrient)] == [
        "Magnesium",
        "Magnesium (Mg)",
        "Magnesium again",
    ]


def test_a_dry_run_keeps_no_version(committed):
    make_reference(key="rude1998")
    with committed():
        nutrient = make_nutrient(slug="magnesium", title="Magnesium", summary="Old [@rude1998].")
    data = json.loads(content_export())
    data["nutrients"][0]["title"] = "Changed"

    with committed():
        content_import(data=data, dry_run=True)

    assert len(versions_of(nutrient)) == 1


def test_reference_import_in_the_admin_and_by_command_keeps_versions(admin_client, committed):
    medline = SAMPLES / "medline" / "pubmed_result2.txt"
    preview = admin_client.post("/admin/references/reference/import/", {
        "format": "", "import_file": SimpleUploadedFile(medline.name, medline.read_bytes())})  # fmt: skip
    with committed():
        admin_client.post(
            f"/admin/references/reference/import/{preview.context['job'].pk}/", {"confirm": "1"}
        )
    imported = Reference.objects.order_by("pk").first()
    assert (latest(imported).revision.user.username, latest(imported).revision.get_comment()) == (
        "admin", "Imported from a file in the admin")  # fmt: skip

    before = set(Reference.objects.values_list("pk", flat=True))
    path = next(path for path in sorted((SAMPLES / "ris").iterdir()) if path.suffix == ".ris")
    with committed():
        call_command("import_references", str(path), stdout=StringIO(), stderr=StringIO())
    by_command = Reference.objects.exclude(pk__in=before)
    assert by_command
    for reference in by_command:
        assert latest(reference).revision.get_comment() == "Saved by the import_references command"
        assert latest(reference).revision.user is None


def test_look_up_by_pmid_keeps_versions(admin_client, committed, settings):
    server = SampleServer(SAMPLES)
    server.start()
    settings.CRAMPS_PUBMED_URL = settings.CRAMPS_CROSSREF_URL = server.url
    try:
        admin_client.post("/admin/references/reference/lookup/", {"identifiers": "12091962", "lookup": "1"})
        with committed():
            admin_client.post("/admin/references/reference/lookup/", {"confirm": "1"})
    finally:
        server.stop()

    reference = Reference.objects.get()
    assert (latest(reference).revision.user.username, latest(reference).revision.get_comment()) == (
        "admin", "Added by PMID/DOI look-up in the admin")  # fmt: skip


def test_load_demo_keeps_a_version_of_what_it_loads(committed):
    with committed():
        call_command("load_demo", "--no-user", stdout=StringIO())

    magnesium = Nutrient.objects.get(slug="magnesium")
    assert (
        latest(magnesium).revision.get_comment() == "Demo content loaded by the load_demo command: Published"
    )
    assert all(versions_of(reference) for reference in Reference.objects.all())


def test_a_workflow_step_keeps_a_version_naming_it(committed):
    publisher = make_user("publisher", "Publisher")
    with committed():
        page = make_article(title="Draft", status=Status.DRAFT)
    with committed():
        document_transition(document=page, user=publisher, status=Status.PUBLISHED)

    version = latest(page)
    assert (version.revision.user, version.revision.get_comment(), version.field_dict["status"]) == (
        publisher, "Published", "published")  # fmt: skip


# Restore


@pytest.fixture
def edited(committed):
    """An article saved twice: version 1 with its first text, rows, tags, citations; then all changed."""
    make_reference(key="old2001", title="The old source")
    make_reference(key="new2002")
    with committed():
        article = make_article(
            title="First title", summary="Old summary [@old2001].", body="## Old\n\nOld body.",
            key_points=["Old point one.", "Old point two [@old2001]."], faqs=[("Old question?", "Old answer.")],
            tags=["dialysis", "pregnancy"], status=Status.DRAFT,
        )  # fmt: skip
    with committed():
        article.title, article.summary, article.body = "Second title", "New summary [@new2002].", "New body."
        article.save()
        article.key_points.all().delete()
        article.key_points.create(text="New point.")
        article.faqs.update(question="New question?")
        article.tags.set(["exercise"])
        from cramps.citing import citations_sync

        citations_sync(document=article)
    return article


def test_restore_brings_back_fields_tags_inlines_and_citations(admin_client, edited, committed):
    first = versions_of(edited)[0]
    page = admin_client.get(f"/admin/cramps/article/{edited.pk}/history/{first.pk}/").content.decode()
    assert "What restoring this version would change" in page
    assert "<del>Second</del><ins>First</ins> title" in page

    with committed():
        response = admin_client.post(f"/admin/cramps/article/{edited.pk}/history/{first.pk}/")

    assert response.status_code == 302
    article = Article.objects.get(pk=edited.pk)
    assert (article.title, article.summary, article.body) == ("First title", "Old summary [@old2001].",
                                                             "## Old\n\nOld body.")  # fmt: skip
    assert [p.text for p in article.key_points.all()] == ["Old point one.", "Old point two [@old2001]."]
    assert [(f.question, f.answer) for f in article.faqs.all()] == [("Old question?", "Old answer.")]
    assert sorted(article.tags.names()) == ["dialysis", "pregnancy"]
    assert [(c.reference.key, c.number) for c in Citation.objects.filter(object_id=article.pk)] == [
        ("old2001", 1)
    ]
    assert 'id="sec-old"' in article.body_html
    assert "Restored the version of" in latest(article).revision.get_comment()
    assert article.status == Status.DRAFT


def test_restore_keeps_the_workflow_state_as_it_is_now(edited, committed):
    publisher = make_user("publisher", "Publisher")
    with committed():
        document_transition(document=edited, user=publisher, status=Status.PUBLISHED)
    client = __import__("django.test", fromlist=["Client"]).Client()
    client.force_login(publisher)

    client.post(f"/admin/cramps/article/{edited.pk}/history/{versions_of(edited)[0].pk}/")

    article = Article.objects.get(pk=edited.pk)
    assert (article.title, article.status) == ("First title", Status.PUBLISHED)


def test_restore_brings_back_a_cited_reference_deleted_since(admin_client, edited):
    Reference.objects.filter(key="old2001").delete()  # no longer cited by the current text

    response = admin_client.post(f"/admin/cramps/article/{edited.pk}/history/{versions_of(edited)[0].pk}/")

    assert response.status_code == 302
    assert Reference.objects.get(key="old2001").title == "The old source"
    assert Citation.objects.filter(object_id=edited.pk, reference__key="old2001").exists()


def test_compare_any_two_versions(admin_client, edited):
    first, second = versions_of(edited)

    page = admin_client.get(f"/admin/cramps/article/{edited.pk}/history/compare/",
                            {"from": second.pk, "to": first.pk}).content.decode()  # fmt: skip

    assert "<del>First</del><ins>Second</ins> title" in page  # older to newer, whichever is "from"
    assert "Key points" in page and "Tags" in page and "Cited references" in page
    assert "Status" not in page  # unchanged parts are not listed


def test_history_page_lists_versions_and_workflow_steps(admin_client, committed):
    publisher = make_user("publisher", "Publisher")
    with committed():
        page = make_article(title="Steps", status=Status.DRAFT)
    with committed():
        document_transition(document=page, user=publisher, status=Status.PUBLISHED)

    history = admin_client.get(f"/admin/cramps/article/{page.pk}/history/").content.decode()

    assert history.count(">View<") == 1 and history.count(">View or restore<") == 1
    assert "Editorial workflow" in history and "publisher" in history


# Recover


@pytest.mark.parametrize("kind", ["article", "nutrient"])
def test_a_deleted_page_is_recovered_with_its_rows_and_tags(admin_client, committed, kind):
    make_reference(key="cited2001")
    with committed():
        if kind == "article":
            page = make_article(title="Gone", body="[@cited2001]", key_points=["Point."], tags=["dialysis"])
        else:
            page = make_nutrient(
                title="Gone", body="[@cited2001]", foods=[("Nuts", "1 g", "")], tags=["dialysis"]
            )
    with committed():
        admin_client.post(f"/admin/cramps/{kind}/{page.pk}/delete/", {"post": "yes"})
    assert not type(page).objects.exists()

    listing = admin_client.get(f"/admin/cramps/{kind}/recover/").content.decode()
    assert "Gone" in listing
    version = Version.objects.get_deleted(type(page)).get()
    with committed():
        response = admin_client.post(f"/admin/cramps/{kind}/recover/{version.pk}/")

    assert response.status_code == 302
    recovered = type(page).objects.get(pk=page.pk)
    assert recovered.title == "Gone" and recovered.status == Status.PUBLISHED  # a superuser may publish
    assert list(recovered.tags.names()) == ["dialysis"]
    rows = recovered.key_points.all() if kind == "article" else recovered.food_sources.all()
    assert len(rows) == 1
    assert [c.reference.key for c in recovered.citations.all()] == ["cited2001"]
    assert len(versions_of(recovered)) == 2  # its history carries on


def test_a_writer_recovers_a_page_as_a_draft(committed, client):
    with committed():
        page = make_article(title="Was live")
    Article.objects.filter(pk=page.pk).delete()
    client.force_login(make_user("writer", "Writer"))

    client.post(f"/admin/cramps/article/recover/{Version.objects.get_deleted(Article).get().pk}/")

    assert Article.objects.get(pk=page.pk).status == Status.DRAFT


def test_a_deleted_reference_is_recovered(admin_client, committed):
    with committed():
        reference = make_reference(key="lost2001", doi="10.1000/lost")
    admin_client.post(f"/admin/references/reference/{reference.pk}/delete/", {"post": "yes"})

    version = Version.objects.get_deleted(Reference).get()
    assert "lost2001" in admin_client.get("/admin/references/reference/recover/").content.decode()
    admin_client.post(f"/admin/references/reference/recover/{version.pk}/")

    assert Reference.objects.get(pk=reference.pk).doi == "10.1000/lost"


def test_a_reference_version_is_restored(admin_client, committed):
    with committed():
        reference = make_reference(key="fixme", title="Right title")
    with committed():
        reference.title = "Wrong title"
        reference.save()

    admin_client.post(f"/admin/references/reference/{reference.pk}/history/{versions_of(reference)[0].pk}/")

    assert Reference.objects.get(pk=reference.pk).title == "Right title"


# Escaping


def test_history_diff_and_recover_pages_escape_everything(client, committed):
    """Hostile titles, texts, tags, user names and comments show as text on every history page."""
    editor = make_user(HOSTILE[:150], is_superuser=True)
    client.force_login(editor)
    with committed():
        page = make_article(title=f"Title {HOSTILE}", body="Plain body.", key_points=["Plain point."])
    with committed():
        page.title, page.body = f"Other {HOSTILE}", f"Body {HOSTILE}"
        page.save()
        point = page.key_points.get()
        point.text = f"Point {HOSTILE}"
        point.save()
        page.tags.add(f"tag {HOSTILE[:80]}")
        document_transition(document=page, user=editor, medical_reviewer=f"Dr {HOSTILE}")
    first, second = versions_of(page)
    urls = [
        f"/admin/cramps/article/{page.pk}/history/",
        f"/admin/cramps/article/{page.pk}/history/{first.pk}/",
        f"/admin/cramps/article/{page.pk}/history/compare/?from={first.pk}&to={second.pk}",
    ]
    texts = [client.get(url).content.decode() for url in urls]
    with committed():
        page.delete()
    deleted = Version.objects.get_deleted(Article).get()
    texts += [client.get(url).content.decode() for url in
              ["/admin/cramps/article/recover/", f"/admin/cramps/article/recover/{deleted.pk}/"]]  # fmt: skip

    for url, text in zip([*urls, "recover list", "recover"], texts, strict=True):
        assert "<script>alert" not in text and "<img src=x" not in text, url
        assert "&lt;script&gt;alert" in text, url


@pytest.mark.django_db(transaction=True)  # the worker runs after the request, as in production
def test_an_import_the_worker_runs_keeps_versions_naming_who_asked(admin_client, settings):
    settings.CRAMPS_IMPORT_BACKGROUND_ROWS = 2
    preview = admin_client.post("/admin/references/reference/import/", {
        "format": "", "import_file": SimpleUploadedFile("three.csv", b"title\nOne\nTwo\nThree\n")})  # fmt: skip
    queued = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=queued):
        admin_client.post(
            f"/admin/references/reference/import/{preview.context['job'].pk}/", {"confirm": "1"}
        )
        assert not Reference.objects.exists()
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    imported = list(Reference.objects.order_by("pk"))
    assert [reference.title for reference in imported] == ["One", "Two", "Three"]
    for reference in imported:
        revision = latest(reference).revision
        assert (revision.user.username, revision.get_comment()) == (
            "admin",
            "Imported from a file in the admin",
        )
    # One revision for the whole import, not one per reference.
    assert len({latest(reference).revision_id for reference in imported}) == 1
