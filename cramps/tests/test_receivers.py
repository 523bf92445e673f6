"""Citation rows and cached HTML stay in step with the text, whatever saved it."""

import json
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from cramps.models import FAQ, Article, Citation, KeyPoint, Nutrient, Status
from references.models import Reference

from .factories import make_article, make_nutrient, make_reference
from .test_admin import article_form
from .test_citing import run_check

pytestmark = pytest.mark.django_db


def rows(document) -> dict[str, int]:
    document.refresh_from_db()
    return {row.reference.key: row.number for row in document.citations.select_related("reference")}


@pytest.fixture
def refs():
    return {key: make_reference(key=key) for key in ["alpha", "beta", "gamma", "delta"]}


def test_a_document_saved_through_the_orm_gets_its_rows(client, refs):
    article = Article.objects.create(
        title="Shell", body="One [@beta], two [@alpha].", status=Status.PUBLISHED
    )

    assert rows(article) == {"beta": 1, "alpha": 2}

    article.body = "Now [@gamma] first, then [@beta]."
    article.save()

    assert rows(article) == {"gamma": 1, "beta": 2}
    page = client.get(article.get_absolute_url()).content.decode()
    assert "[?]" not in page and 'aria-label="Reference 1: ' in page


def test_inline_rows_saved_after_their_page_and_deleted_keep_rows_in_step(refs):
    article = Article.objects.create(title="Inlines", summary="[@alpha]", body="Body [@delta].")
    point = KeyPoint.objects.create(article=article, text="Point [@beta].")
    FAQ.objects.create(article=article, question="Q?", answer="A [@gamma].")

    assert rows(article) == {"alpha": 1, "beta": 2, "delta": 3, "gamma": 4}

    point.text = "Point [@gamma]."
    point.save()
    assert rows(article) == {"alpha": 1, "gamma": 2, "delta": 3}

    point.delete()
    assert rows(article) == {"alpha": 1, "delta": 2, "gamma": 3}

    article.faqs.all().delete()
    assert rows(article) == {"alpha": 1, "delta": 2}


def test_nutrient_inlines_count_too(refs):
    nutrient = Nutrient.objects.create(title="Zinc", body="[@alpha]")
    nutrient.food_sources.create(food="Oysters", notes="Rich [@beta].")
    nutrient.interactions.create(medication="Antibiotics", effect="Less absorbed [@gamma].")

    assert rows(nutrient) == {"alpha": 1, "beta": 2, "gamma": 3}


def test_deleting_a_page_leaves_no_citation_rows(refs):
    article = make_article(body="[@alpha]", key_points=["[@beta]"], faqs=[("Q?", "[@gamma]")])

    article.delete()

    assert not Citation.objects.exists()


def test_a_reference_added_after_a_page_cites_it_gets_its_number(client, refs):
    article = Article.objects.create(
        title="Early", body="Known [@alpha], new [@zeta2024].", status=Status.PUBLISHED
    )
    nutrient = Nutrient.objects.create(title="Later", status=Status.PUBLISHED)
    nutrient.food_sources.create(food="Nuts", notes="[@zeta2024]")
    assert rows(article) == {"alpha": 1}

    make_reference(key="zeta2024")

    assert rows(article) == {"alpha": 1, "zeta2024": 2}
    assert rows(nutrient) == {"zeta2024": 1}
    assert "[?]" not in client.get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize("others", [0, 150], ids=["a few references", "more than the query takes"])
def test_references_a_file_import_adds_give_their_numbers_to_pages_citing_them(client, refs, others):
    article = Article.objects.create(
        title="Early", body="Known [@alpha], new [@zeta2024] and [@eta2025].", status=Status.PUBLISHED
    )
    assert rows(article) == {"alpha": 1}
    keys = [f"other{n}" for n in range(others)] + ["zeta2024", "eta2025"]
    ris = "".join(
        f"TY  - JOUR\nID  - {key}\nTI  - A study called {key}\nAU  - Writer, A\nPY  - 2024\nER  - \n\n"
        for key in keys
    )
    path = Path(tempfile.mkdtemp()) / "two.ris"
    path.write_text(ris)

    call_command("import_references", str(path), stdout=StringIO(), stderr=StringIO())

    assert set(Reference.objects.values_list("key", flat=True)) >= {"zeta2024", "eta2025"}
    assert rows(article) == {"alpha": 1, "zeta2024": 2, "eta2025": 3}
    assert "[?]" not in client.get(article.get_absolute_url()).content.decode()


def test_renaming_a_cited_key_through_the_orm_is_refused(refs):
    make_article(title="Night cramps", body="[@alpha]")
    reference = Reference.objects.get(key="alpha")

    reference.key = "alpha2"
    with pytest.raises(ProtectedError, match="cited by: Night cramps"):
        reference.save()

    assert Reference.objects.filter(key="alpha").exists()
    refs["delta"].key = "delta2"
    refs["delta"].save()  # cited nowhere: free to rename
    assert Reference.objects.filter(key="delta2").exists()


def test_the_admin_syncs_each_page_once_however_many_inline_rows(admin_client):
    make_reference(key="rude1998")
    make_reference(key="wester1987")

    def citation_queries(points: int) -> int:
        data = article_form(title=f"Page with {points} points")
        data.update({"key_points-TOTAL_FORMS": str(points)})
        for n in range(points):
            data.update(
                {f"key_points-{n}-position": str(n), f"key_points-{n}-text": f"Point {n} [@wester1987]."}
            )
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.post("/admin/cramps/article/add/", data)
        assert response.status_code == 302
        return sum('"cramps_citation"' in query["sql"] for query in queries.captured_queries)

    assert citation_queries(1) == citation_queries(12)


def test_check_citations_catches_rows_left_stale_and_fix_repairs_them(refs):
    article = make_article(title="Bulk edited", body="[@alpha] [@beta]")
    make_article(body="[@gamma] [@delta] [@alpha]")
    Article.objects.filter(pk=article.pk).update(body="[@beta] [@gamma]")  # no save(): no sync

    output, error = run_check()

    assert error is not None
    assert (
        "Article “Bulk edited”: its citation rows hold [1] @alpha, [2] @beta but its text cites "
        "[1] @beta, [2] @gamma" in output
    )

    out = StringIO()
    call_command("check_citations", "--fix", stdout=out)

    assert "Repaired article “Bulk edited”." in out.getvalue()
    assert "All citations are sound" in out.getvalue()
    assert rows(article) == {"beta": 1, "gamma": 2}
    assert "[@beta]" not in Article.objects.get(pk=article.pk).body_html


def test_migrate_repairs_what_a_data_migration_left_stale(refs):
    article = make_article(title="Migrated", body="Old [@alpha].", key_points=["[@beta]"])
    # What a data migration does: historical models, no custom save(), no receivers.
    state = MigrationExecutor(connection).loader.project_state()
    historical = state.apps.get_model("cramps", "Article").objects.get(pk=article.pk)
    historical.body = "New [@gamma] and [@delta]."
    historical.save()
    state.apps.get_model("cramps", "KeyPoint").objects.filter(article_id=article.pk).delete()

    call_command("migrate", verbosity=0)

    article.refresh_from_db()
    assert rows(article) == {"gamma": 1, "delta": 2}
    assert 'data-cite="gamma"' in article.body_html and "[@" not in article.body_html


def test_check_citations_warns_about_references_readers_cannot_open(refs):
    make_article(body=" ".join(f"[@{key}]" for key in refs))
    Reference.objects.filter(key="alpha").update(doi="10.1000/alpha")
    Reference.objects.filter(key="beta").update(url="https://example.org/beta")

    output, error = run_check()

    assert error is None
    assert "Warning: no PMID, PMCID, DOI or URL (2):" in output
    assert "@gamma:" in output and "@delta:" in output
    assert "@alpha:" not in output and "@beta:" not in output


def test_check_citations_names_unreadable_citations(refs):
    article = make_nutrient(title="Typos", body="[@alpha]")
    Nutrient.objects.filter(pk=article.pk).update(body="[@alpha] and [@ beta]")

    output, error = run_check()

    assert error is not None
    assert "Nutrient “Typos” (body): “[@ beta]” is not read as a citation. Write “[@beta]” to cite" in output


def test_a_raw_load_is_repaired_when_it_commits(refs, tmp_path, django_capture_on_commit_callbacks):
    fixture = tmp_path / "pages.json"
    fixture.write_text(json.dumps([
        {"model": "cramps.article", "pk": 900, "fields": {"title": "Loaded", "slug": "loaded", "body": "[@beta] [@alpha]",
                                                           "status": "published", "created": "2024-01-01T00:00:00Z",
                                                           "updated": "2024-01-01T00:00:00Z"}},
        {"model": "cramps.keypoint", "pk": 900, "fields": {"article": 900, "text": "Point [@gamma]."}},
    ]))  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        call_command("loaddata", str(fixture), verbosity=0)

    article = Article.objects.get(pk=900)
    assert rows(article) == {"gamma": 1, "beta": 2, "alpha": 3}
    assert 'data-cite="beta"' in article.body_html
    assert 'data-cite="gamma"' in article.key_points.get().text_html
