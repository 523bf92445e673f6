"""Study summaries of references: edited in the admin, kept rendered on every save path, shown
on the reference page; which reference pages the sitemap lists."""

import json

import pytest
from django.core.management import call_command
from django.db.models import ProtectedError

from references.models import Reference, StudyType

from .factories import make_article, make_nutrient, make_reference
from .test_visibility import HIDDEN

pytestmark = pytest.mark.django_db


def summary_form(**overrides) -> dict:
    data = {
        "key": "roffe2002", "type": "article-journal", "title": "Magnesium citrate for leg cramps",
        "authors": "Roffe, C", "editors": "", "study_type": StudyType.RANDOMISED_TRIAL,
        "population": "Adults with chronic leg cramps", "participants": "46",
        "comparison": "Magnesium citrate against placebo", "main_result": "No fewer cramps than placebo.",
        "limits": "Small and short.", "summary": "A crossover trial, later pooled [@garrison2020].",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_admin_saves_a_study_summary_and_its_html(admin_client):
    make_reference(key="garrison2020", title="Magnesium for skeletal muscle cramps")

    response = admin_client.post("/admin/references/reference/add/", summary_form())

    assert response.status_code == 302, response.content.decode()[:2000]
    reference = Reference.objects.get(key="roffe2002")
    assert reference.study_type == "randomised-trial"
    assert reference.participants == 46
    assert '<cite class="citation" data-cite="garrison2020">' in reference.summary_html


@pytest.mark.parametrize(
    ("summary", "message"),
    [
        ("Pooled later [@nosuchkey].", "Unknown citation key in this text: @nosuchkey."),
        ("A typo [@ garrison2020].", "[@garrison2020]"),
        ("Hidden <script>alert(1)</script> text.", "Readers would not get all of this text"),
    ],
)
def test_admin_refuses_a_summary_with_unknown_keys_or_lost_text(admin_client, summary, message):
    make_reference(key="garrison2020")

    response = admin_client.post("/admin/references/reference/add/", summary_form(summary=summary))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Reference.objects.filter(key="roffe2002").exists()


def test_model_validation_refuses_unknown_keys_in_a_summary():
    reference = make_reference(key="solo", summary="See [@missing2001].")

    with pytest.raises(Exception, match="Unknown citation key"):
        reference.full_clean()


def test_summary_html_follows_every_save_path(tmp_path):
    make_reference(key="cited")
    reference = make_reference(key="summarised", summary="First *words* [@cited].")
    assert "<em>words</em>" in reference.summary_html

    reference.summary = "Second **words**."
    reference.save()
    assert Reference.objects.get(pk=reference.pk).summary_html == "<p>Second <strong>words</strong>.</p>\n"

    fixture = tmp_path / "refs.json"
    fixture.write_text(json.dumps([{"model": "references.reference", "pk": reference.pk, "fields": {
        "key": "summarised", "type": "article-journal", "title": "T", "summary": "Loaded _text_.",
        "created": "2024-01-01T00:00:00Z", "updated": "2024-01-01T00:00:00Z",
    }}]))  # fmt: skip
    call_command("loaddata", str(fixture), verbosity=0)
    assert Reference.objects.get(pk=reference.pk).summary_html == "<p>Loaded <em>text</em>.</p>\n"

    reference = Reference.objects.get(pk=reference.pk)
    reference.summary = ""
    reference.save()
    assert Reference.objects.get(pk=reference.pk).summary_html == ""


def test_reference_page_shows_the_summary_above_the_entry(client):
    make_reference(key="garrison2020", title="Magnesium for skeletal muscle cramps", pmid="32956536")
    reference = make_reference(
        key="roffe2002", title="Magnesium citrate for leg cramps",
        study_type=StudyType.RANDOMISED_TRIAL, population="Adults with chronic leg cramps", participants=46,
        comparison="Magnesium citrate against placebo", main_result="No fewer cramps than placebo.",
        limits="Small and short.", summary="A crossover trial, later pooled in a review [@garrison2020].",
    )  # fmt: skip

    page = client.get(reference.get_absolute_url()).content.decode()

    summary_at = page.index("What this study found")
    assert summary_at < page.index('class="csl-entry citation-full"')
    for text in (
        "Randomised trial",
        "Adults with chronic leg cramps · 46 participants",
        "Magnesium citrate against placebo",
        "No fewer cramps than placebo.",
        "Small and short.",
    ):
        assert text in page[summary_at:], text
    # The summary's citation is numbered and its work listed, with the way to open it.
    assert 'href="#ref-1"' in page
    assert "Magnesium for skeletal muscle cramps" in page
    assert "https://pubmed.ncbi.nlm.nih.gov/32956536/" in page


def test_reference_without_a_summary_shows_no_summary_section(client):
    reference = make_reference(key="plain")

    assert "What this study found" not in client.get(reference.get_absolute_url()).content.decode()


@pytest.mark.parametrize("state", HIDDEN)
def test_reference_cited_only_by_a_hidden_page_is_reachable_unlisted_and_not_in_the_sitemap(client, state):
    reference = make_reference(key="onlydrafts")
    make_article(title="Draft about cramps", body="Text [@onlydrafts].", **HIDDEN[state])

    response = client.get(reference.get_absolute_url())

    assert response.status_code == 200
    page = response.content.decode()
    assert "Draft about cramps" not in page
    assert "No published page cites this reference yet." in page
    assert reference.get_absolute_url() not in client.get("/sitemap.xml").content.decode()


def test_sitemap_lists_references_cited_by_published_pages_only(client):
    by_article, by_nutrient, uncited = (
        make_reference(key=key) for key in ("byarticle", "bynutrient", "uncited")
    )
    make_article(body="Text [@byarticle].")
    make_nutrient(body="Text [@bynutrient].")

    sitemap = client.get("/sitemap-references.xml").content.decode()

    assert f"http://testserver{by_article.get_absolute_url()}" in sitemap
    assert f"http://testserver{by_nutrient.get_absolute_url()}" in sitemap
    assert uncited.get_absolute_url() not in sitemap
    assert client.get(uncited.get_absolute_url()).status_code == 200


def test_content_files_carry_study_summaries_citing_works_in_the_same_file():
    from cramps.transfer import FORMAT, VERSION, content_export, content_import

    data = {"format": FORMAT, "version": VERSION, "nutrients": [], "articles": [], "references": [
        {"key": "review2020", "type": "article-journal", "title": "A review"},
        {"key": "trial2002", "type": "article-journal", "title": "A trial", "study_type": "randomised-trial",
         "participants": 46, "main_result": "No difference.", "summary": "Pooled later [@review2020]."},
    ]}  # fmt: skip

    content_import(data=data)

    trial = Reference.objects.get(key="trial2002")
    assert (trial.study_type, trial.participants, trial.main_result) == (
        "randomised-trial",
        46,
        "No difference.",
    )
    assert 'data-cite="review2020"' in trial.summary_html
    make_article(body="Cites [@trial2002].")
    exported = json.loads(content_export())["references"]
    assert [item["summary"] for item in exported] == ["Pooled later [@review2020]."]


def test_content_file_with_a_summary_citing_an_unknown_key_is_refused():
    from cramps.transfer import FORMAT, VERSION, ContentImportError, content_import

    data = {"format": FORMAT, "version": VERSION, "nutrients": [], "articles": [], "references": [
        {"key": "trial2002", "type": "article-journal", "title": "A trial", "summary": "See [@nowhere1999]."},
    ]}  # fmt: skip

    with pytest.raises(ContentImportError, match="nowhere1999"):
        content_import(data=data)
    assert not Reference.objects.exists()


def test_a_key_a_study_summary_cites_cannot_be_renamed(admin_client):
    cited = make_reference(key="garrison2020", title="Magnesium for skeletal muscle cramps")
    make_reference(key="roffe2002", summary="Pooled later [@garrison2020].")
    data = {
        "key": "garrison2020b",
        "type": "article-journal",
        "title": cited.title,
        "authors": "",
        "editors": "",
    }

    response = admin_client.post(f"/admin/references/reference/{cited.pk}/change/", data)

    assert response.status_code == 200
    assert "This key is cited by: the study summary of @roffe2002." in response.content.decode()
    assert Reference.objects.filter(key="garrison2020").exists()
    cited.key = "garrison2020b"
    with pytest.raises(ProtectedError):
        cited.save()


def test_check_citations_reports_broken_summaries_and_fix_rerenders_stale_html():
    from io import StringIO

    from django.core.management.base import CommandError

    cited = make_reference(key="gone2001")
    summarised = make_reference(key="roffe2002", summary="Pooled later [@gone2001].")
    make_article(body="Cites [@roffe2002].")
    cited.delete()  # nothing protects a key only a summary cites from deletion: the check names it
    Reference.objects.filter(pk=summarised.pk).update(summary_html="<p>stale</p>")
    out = StringIO()

    with pytest.raises(CommandError):
        call_command("check_citations", "--fix", stdout=out)

    assert "Repaired the study summary of @roffe2002." in out.getvalue()
    assert "the study summary of @roffe2002: unknown key @gone2001" in out.getvalue()
    assert 'data-cite="gone2001"' in Reference.objects.get(pk=summarised.pk).summary_html


def test_reference_page_costs_the_same_whatever_its_summary_cites(client):
    from .test_queries import count_queries

    for n in range(10):
        make_reference(key=f"work{n}")
    make_reference(key="few", summary="See [@work0].")
    make_reference(key="many", summary=" ".join(f"[@work{n}]" for n in range(10)))

    assert count_queries(client, "/references/many/") == count_queries(client, "/references/few/")
