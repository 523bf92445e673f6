"""The reference admin's import (upload, preview, confirm, background) and export pages, as an editor uses them."""

import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError
from django.db.models import QuerySet
from django.test import override_settings

from references.export_formats import EXPORT_FORMATS
from references.models import Reference, ReferenceImport
from references.record import RECORD_FIELDS

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/references/reference/import/"
EXPORT_URL = "/admin/references/reference/export/"
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "0001_references.json"
# Demo references by organisations whose name holds a comma, which RIS cannot mark as one name.
ORGANISATIONS_WITH_A_COMMA = {
    "iom1998", "iom1999", "iom2000", "iom2001", "nasem2019", "usda2003", "cyanocobalamin-label"
}  # fmt: skip
SEED_EXPORTS = Path(__file__).resolve().parent / "seed_exports"
PATTERNS = Path(__file__).resolve().parent / "patterns"


def upload(client, name: str, data: bytes | str, format: str = "", encoding: str = ""):
    """Post a file to the import page, as the editor would; the format is detected unless given."""
    data = data.encode() if isinstance(data, str) else data
    return client.post(IMPORT_URL, {"import_file": SimpleUploadedFile(name, data), "format": format,
                                    "encoding": encoding})  # fmt: skip


def job_url(job: ReferenceImport) -> str:
    return f"{IMPORT_URL}{job.pk}/"


def confirm(client, preview):
    return client.post(job_url(preview.context["job"]), {"confirm": "1"})


def snapshot() -> list[dict]:
    return list(Reference.objects.order_by("pk").values())


def records() -> dict[str, dict]:
    """Every reference's fields by key; DOIs lower-cased, as import stores them (the fixture predates that rule)."""
    return {
        r.key: {field: getattr(r, field) for field in RECORD_FIELDS} | {"doi": r.doi.lower()}
        for r in Reference.objects.all()
    }


def file_error(response) -> str:
    return " ".join(str(error) for errors in response.context["form"].errors.values() for error in errors)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


@pytest.fixture
def seeded():
    call_command("loaddata", str(FIXTURE), verbosity=0)
    return snapshot()


def export(client, format_class, **fields) -> bytes:
    chosen = fields or {f"referenceresource_{field}": "on" for field in ("key", *RECORD_FIELDS)}
    index = [fmt for fmt in EXPORT_FORMATS].index(format_class)
    response = client.post(EXPORT_URL, {"format": str(index), "resource": "0", **chosen})
    assert response.status_code == 200, response.content[:500]
    return response.content


# Import: preview, confirm


def test_import_page_offers_every_format_and_detection(admin_client):
    page = admin_client.get(IMPORT_URL).content.decode()

    for title in ("Detect from the file", "RIS (EndNote, Zotero, Mendeley)", "PubMed / MEDLINE (.nbib)", "BibTeX",
                  "CSL-JSON", "CSV or tab-separated", "Excel workbook (.xlsx)", "JSON (Cramps columns)",
                  "Detect (UTF-8, or a guess)", "GB18030 (Chinese, GBK)"):  # fmt: skip
        assert title in page


def test_preview_then_confirm(admin_client, samples):
    preview = upload(
        admin_client, "pubmed_result2.txt", (samples / "medline" / "pubmed_result2.txt").read_bytes()
    )

    page = preview.content.decode()
    assert "Read as PubMed / MEDLINE (.nbib), text in UTF-8; 4 records." in page
    assert "4 new, 0 to update, 0 unchanged, 0 duplicates and 0 unreadable left out." in page
    assert page.count('<tr class="new">') == 4
    assert not Reference.objects.exists()

    response = confirm(admin_client, preview)

    assert response.status_code == 302
    assert Reference.objects.count() == 4
    assert messages_of(response) == [
        "Import finished: 4 new, 0 updated, 0 unchanged, 0 duplicates and 0 unreadable left out."
    ]
    job = ReferenceImport.objects.get()
    assert (job.status, job.created_count, job.data, job.created_by.username) == ("done", 4, b"", "admin")


def test_preview_marks_new_update_unchanged_and_duplicate(admin_client):
    Reference.objects.create(key="rude1998", title="Magnesium deficiency", authors=[{"family": "Rude", "given": "RK"}],
                             issued_year=1998, doi="10.1000/rude")  # fmt: skip
    Reference.objects.create(key="wester1987", title="Magnesium", authors=[{"family": "Wester", "given": "PO"}],
                             issued_year=1987, pmid="3296589")  # fmt: skip
    before = snapshot()
    data = (
        "key,title,authors,issued_year,doi,pmid,volume\n"
        ',Cramps,"Garrison, SR",2020,,,\n'
        ',Magnesium deficiency,"Rude, RK",1998,10.1000/RUDE,,13\n'
        ',Magnesium,"Wester, PO",1987,,3296589,\n'
        ',Magnesium deficiency: a cause,"Rude, R",1998,https://doi.org/10.1000/rude,,\n'
        ',CRAMPS!,"Garrison, S",2020,,,\n'
        ",,,,,,\n"
        ',,"Smith, J",2001,,,\n'
    )

    preview = upload(admin_client, "mixed.csv", data)

    page = preview.content.decode()
    assert "1 new, 1 to update, 1 unchanged, 2 duplicates and 1 unreadable left out." in page
    rows = [(row.number, row.action) for row in preview.context["plan"].records]
    assert rows == [
        (1, "new"),
        (2, "update"),
        (3, "unchanged"),
        (4, "duplicate"),
        (5, "duplicate"),
        (6, "skipped"),
    ]
    assert "(same DOI 10.1000/rude)" in page and ">@rude1998</a>" in page
    assert "Unchanged <a" in page and "(same PMID 3296589)" in page
    assert "Duplicate of record 2 (repeats record 2 (same DOI 10.1000/rude))" in page
    assert "Duplicate of record 1 (repeats record 1 (same title, first author and year))" in page
    assert "Left out: has no title, so it was left out." in page
    assert "<dt>Volume</dt><dd><del>(empty)</del> → <ins>13</ins></dd>" in page  # what the update changes
    assert snapshot() == before

    confirm(admin_client, preview)

    assert Reference.objects.get(key="rude1998").volume == "13"
    assert Reference.objects.get(title="Cramps").key == "garrison2020"
    assert Reference.objects.count() == 3


def test_importing_the_same_file_again_changes_nothing(admin_client, samples):
    data = (samples / "csljson" / "commonmeta-csl-list.json").read_bytes()
    confirm(admin_client, upload(admin_client, "library.json", data))
    before = snapshot()

    preview = upload(admin_client, "library.json", data)

    page = preview.content.decode()
    assert "0 new, 0 to update, 17 unchanged" in page
    assert "Nothing to import: every record is already in the library as it is, or left out." in page
    assert 'name="confirm"' not in page
    assert snapshot() == before


def test_warnings_name_record_field_value_and_why(admin_client, samples):
    preview = upload(
        admin_client, "rayyan.ris", (samples / "ris" / "asreview-rayyan-endnote.ris").read_bytes()
    )

    page = preview.content.decode()
    assert "Warnings (3)" in page
    assert ("<tr><td>5</td><td>“Quarterly change”</td><td>URL</td><td>&lt;Go to ISI&gt;://WOS:000298449100001</td>"
            "<td>is not a web address; left out.</td></tr>") in page  # fmt: skip
    assert "The file has these columns or fields, which Cramps does not read: A4 (subsidiary authors)" in page
    assert "19 new" in page

    confirm(admin_client, preview)

    assert Reference.objects.count() == 19


def test_the_encoding_guess_is_shown(admin_client):
    preview = upload(admin_client, "gbk.bib", (PATTERNS / "gbk.bib").read_bytes())

    page = preview.content.decode()
    assert "text in GB18030 (Chinese, GBK) (guessed)" in page
    assert "The file is not UTF-8: it looks like GB18030 (Chinese, GBK), and was read as that." in page
    assert "镁缺乏与夜间腿部肌肉痉挛的关系研究" in page


def test_a_chosen_encoding_is_used_at_confirm_too(admin_client):
    data = "TY  - JOUR\nTI  - Судороги мышц\nER  - \n".encode("cp1251")

    preview = upload(admin_client, "refs.ris", data, encoding="cp1251")
    confirm(admin_client, preview)

    assert Reference.objects.get().title == "Судороги мышц"


def test_embase_csv_columns_are_used_and_the_rest_listed(admin_client):
    preview = upload(admin_client, "embase.csv", (PATTERNS / "embase-columns.csv").read_bytes())

    page = preview.content.decode()
    assert "which Cramps does not read: Emtree Drug Index Terms, Full Record Link." in page
    confirm(admin_client, preview)
    reference = Reference.objects.get(pmid="32956536")
    assert (reference.container_title, reference.issued_year, reference.authors[0]) == (
        "Cochrane Database of Systematic Reviews", 2020, {"family": "Garrison", "given": "S.R."})  # fmt: skip


# Import: bad input names the file and the problem; nothing changes


@pytest.mark.parametrize(
    ("name", "data", "format", "message"),
    [
        ("bad.ris", "TY  - JOUR\nTI  - A\nER  - \nTI  - B\nER  - \n", "",
         "“bad.ris” could not be read: RIS, line 4: the TI line is outside any record"),
        ("cut.nbib", "PMID- 1\nTI  - A\n\nTI  - B\n", "",
         "“cut.nbib” could not be read: PubMed/MEDLINE, line 4: this record has no PMID line"),
        ("cut.ris", "TY  - JOUR\nTI  - A\nER  - \n\nTY  - JOUR\nTI  - B", "",
         "“cut.ris” could not be read: RIS: record 2 (line 5) has no ER line; the file looks truncated."),
        ("cut.bib", "@article{a, title={A}}\n@article{b, title={B", "",
         "“cut.bib” could not be read: BibTeX, the block starting on line 2 is malformed"),
        ("cut.csv", 'key,title\na,"Magnesium def', "",
         "“cut.csv” could not be read: CSV, line 2: unexpected end of data (is the file truncated?)"),
        ("utf16.ris", "TY  - JOUR\nTI  - A\nER  - \n".encode("utf-16-le"), "",
         "“utf16.ris” could not be read: This file looks like UTF-16 text without a byte-order mark."),
        ("utf16.txt", "TY  - JOUR\nTI  - A\nER  - \n".encode("utf-16-le"), "",
         "“utf16.txt” could not be read: This file looks like UTF-16 text without a byte-order mark."),
        ("refs.txt", "Just some notes.", "",
         "“refs.txt” could not be read: Cramps cannot tell what kind of file “refs.txt” is: choose its format."),
        ("library.bib", "@article{a, title={A}}", "ris", "“library.bib” could not be read: No RIS records found"),
        ("refs.xlsx", b"PK\x03\x04 not really a workbook", "",
         "“refs.xlsx” could not be read: This is not a readable Excel (.xlsx) workbook"),
        ("zotero.json", '[{"id": "a", "title": "A", "author": [{"family": "B"}]}]', "json",
         "“zotero.json” could not be read: This is CSL-JSON, not Cramps' JSON columns"),
        ("deep.json", "[" * 10_000 + "]" * 10_000, "",
         "“deep.json” could not be read: CSL-JSON: the data is nested more than 20 levels deep"),
        ("zotero.csv", "Item Type,Publication Year,Author\njournalArticle,2001,X\n", "",
         "“zotero.csv” could not be read: The file has no “title” column, so no row can be read. Its columns: "
         "Item Type, Publication Year, Author."),
        ("untitled.csv", "title,doi\n,10.1000/a\n", "",
         "“untitled.csv” could not be read: No record in this file can be imported (record 1: has no title"),
    ],
)  # fmt: skip
def test_unreadable_files_are_named_and_change_nothing(admin_client, seeded, name, data, format, message):
    response = upload(admin_client, name, data, format)

    assert response.status_code == 200
    assert message in file_error(response)
    assert "plan" not in response.context
    assert not ReferenceImport.objects.exists()
    assert snapshot() == seeded


def test_oversized_file_is_refused_before_reading(admin_client, settings, seeded):
    settings.CRAMPS_IMPORT_MAX_BYTES = 1024

    response = upload(admin_client, "big.ris", "TY  - JOUR\nTI  - A\nER  - \n" * 60)

    assert "“big.ris” is 1.5\xa0KB; Cramps imports files of up to 1.0\xa0KB." in file_error(response)
    assert snapshot() == seeded


def test_default_size_limit_is_five_mebibytes(admin_client):
    response = upload(admin_client, "huge.csv", b"title\n" + b"x" * (5 * 1024 * 1024))

    assert "“huge.csv” is 5.0\xa0MB; Cramps imports files of up to 5.0\xa0MB." in file_error(response)


def test_row_cap(admin_client, settings, seeded):
    settings.CRAMPS_IMPORT_MAX_ROWS = 3

    response = upload(admin_client, "four.csv", "title\nA\nB\nC\nD\n")

    assert "The file holds 4 references; Cramps imports at most 3 from one file." in file_error(response)
    assert snapshot() == seeded


def test_workbook_expanding_to_millions_of_rows_is_refused(admin_client, seeded):
    book = openpyxl.Workbook()
    book.active.append(["title"])
    book.active["A1000000"] = "far down"  # the sheet's dimension now says a million rows
    stream = io.BytesIO()
    book.save(stream)

    response = upload(admin_client, "bomb.xlsx", stream.getvalue())

    assert "This workbook's sheet has 1,000,000 rows; Cramps imports at most 10,000 references" in file_error(
        response
    )
    assert snapshot() == seeded


def test_all_or_nothing_when_the_database_refuses_a_row_at_confirm(admin_client, seeded, monkeypatch):
    preview = upload(admin_client, "three.csv", "title\nFirst\nSecond\nThird\n")

    def refuse(queryset, objects, *args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(QuerySet, "bulk_create", refuse)

    response = confirm(admin_client, preview)

    page = response.content.decode()
    assert response.status_code == 200
    assert (
        "Nothing was imported: The database refused the import (duplicate key value violates unique constraint)"
        in page
    )
    assert snapshot() == seeded
    assert ReferenceImport.objects.get().status == "failed"


def test_a_key_taken_between_preview_and_confirm(admin_client, seeded):
    preview = upload(admin_client, "three.csv", "key,title\nfirst,First\nsecond,Second\nthird,Third\n")
    Reference.objects.create(key="third", title="Added meanwhile")

    confirm(admin_client, preview)

    # Matched again at confirm: the file's third record gets a key of its own.
    assert Reference.objects.get(title="Third").key == "anonnd"
    assert Reference.objects.get(key="third").title == "Added meanwhile"


def test_confirming_twice_imports_once(admin_client):
    preview = upload(admin_client, "one.csv", "title\nOnly\n")
    confirm(admin_client, preview)

    response = confirm(admin_client, preview)

    assert Reference.objects.count() == 1
    assert "This import has already been started." in messages_of(response)


# Import: large files run in the background


def test_a_large_import_runs_as_a_task_and_shows_its_outcome(admin_client, settings):
    settings.CRAMPS_IMPORT_BACKGROUND_ROWS = 5
    data = "title\n" + "".join(f"Work {n}\n" for n in range(8))
    preview = upload(admin_client, "eight.csv", data)
    assert "it will be imported in the background" in preview.content.decode()

    response = confirm(admin_client, preview)

    # The immediate backend has run the task by now; the editor is sent to the import's page.
    job = ReferenceImport.objects.get()
    assert response.status_code == 302 and response.url == job_url(job)
    page = admin_client.get(job_url(job)).content.decode()
    assert "“eight.csv”: Imported" in page
    assert "Import finished: 8 new, 0 updated" in page
    assert 'http-equiv="refresh"' not in page
    assert Reference.objects.count() == 8


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection, as in production
def test_a_large_import_waits_for_the_worker_and_shows_progress(admin_client, settings):
    settings.CRAMPS_IMPORT_BACKGROUND_ROWS = 5
    data = "title\n" + "".join(f"Work {n}\n" for n in range(8))
    preview = upload(admin_client, "eight.csv", data)

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        response = confirm(admin_client, preview)
        job = ReferenceImport.objects.get()
        assert (job.status, Reference.objects.count()) == ("queued", 0)  # nothing was done in the request
        page = admin_client.get(job_url(job)).content.decode()
        assert "Waiting for the task worker…" in page
        assert '<meta http-equiv="refresh" content="2">' in page
        assert '<progress max="100" value="0">' in page

        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.created_count, job.records_done, job.data) == ("done", 8, 8, b"")
    assert Reference.objects.count() == 8


def test_a_large_import_that_fails_changes_nothing(admin_client, settings, seeded, monkeypatch):
    settings.CRAMPS_IMPORT_BACKGROUND_ROWS = 5
    preview = upload(admin_client, "eight.csv", "title\n" + "".join(f"Work {n}\n" for n in range(8)))

    def refuse(queryset, objects, *args, **kwargs):
        raise IntegrityError("refused")

    monkeypatch.setattr(QuerySet, "bulk_create", refuse)
    confirm(admin_client, preview)

    job = ReferenceImport.objects.get()
    assert (job.status, job.message) == ("failed", "The database refused the import (refused); nothing was imported. "
                                                   "Try again.")  # fmt: skip
    assert (
        "Nothing was imported: The database refused the import"
        in admin_client.get(job_url(job)).content.decode()
    )
    assert snapshot() == seeded


def test_a_fault_during_a_background_import_marks_it_failed(admin_client, settings, seeded, monkeypatch):
    settings.CRAMPS_IMPORT_BACKGROUND_ROWS = 5
    preview = upload(admin_client, "eight.csv", "title\n" + "".join(f"Work {n}\n" for n in range(8)))

    def break_down(queryset, objects, *args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(QuerySet, "bulk_create", break_down)
    confirm(admin_client, preview)

    job = ReferenceImport.objects.get()
    assert (job.status, job.data) == ("failed", b"")
    assert job.message == "An error in Cramps stopped the import; nothing was imported. It has been logged."
    assert snapshot() == seeded


def test_an_import_is_seen_by_the_editor_who_started_it(admin_client, client, django_user_model):
    preview = upload(admin_client, "one.csv", "title\nOnly\n")
    other = django_user_model.objects.create_user("other", password="pw", is_staff=True)
    other.user_permissions.add(*Permission.objects.filter(codename__in=["import_reference", "add_reference"]))
    client.force_login(other)

    assert client.get(job_url(preview.context["job"])).status_code == 404
    assert client.post(job_url(preview.context["job"]), {"confirm": "1"}).status_code == 404
    assert not Reference.objects.exists()


# Export


@pytest.mark.parametrize(
    ("format_class", "start"),
    [(EXPORT_FORMATS[3], b"TY  - "), (EXPORT_FORMATS[4], b"@"), (EXPORT_FORMATS[5], b"[\n  {")],
    ids=["RIS", "BibTeX", "CSL-JSON"],
)
def test_citation_exports_round_trip_into_an_empty_library(admin_client, seeded, format_class, start):
    exported = export(admin_client, format_class)
    assert exported.startswith(start)
    before = records()
    Reference.objects.all().delete()
    name = f"export.{format_class().get_extension()}"

    confirm(admin_client, upload(admin_client, name, exported))

    after = records()
    assert set(after) == set(before)
    for key, record in before.items():
        if format_class().get_extension() == "ris" and key in ORGANISATIONS_WITH_A_COMMA:
            continue
        assert after[key] == record, key


@pytest.mark.parametrize("index", [0, 1, 2], ids=["CSV", "XLSX", "JSON"])
def test_spreadsheet_exports_round_trip_losslessly(admin_client, seeded, index):
    Reference.objects.filter(key="rude1998").update(note="Our own note.", abstract="One.\n\nTwo.",
                                                    accessed="2020-02-03")  # fmt: skip
    before = records()
    exported = export(admin_client, EXPORT_FORMATS[index])

    preview = upload(admin_client, f"export.{EXPORT_FORMATS[index]().get_extension()}", exported)
    assert "0 new, 0 to update, 51 unchanged" in preview.content.decode()
    Reference.objects.all().delete()
    confirm(admin_client, upload(admin_client, f"export.{EXPORT_FORMATS[index]().get_extension()}", exported))

    assert records() == before


def test_csv_and_xlsx_exports_neutralise_formulae(admin_client):
    Reference.objects.create(key="evil", title='=HYPERLINK("http://evil.example","Click")', publisher="@SUM(1)",
                             volume="+1", issue="-2", pages="\t3", note="=1+1")  # fmt: skip

    csv_text = export(admin_client, EXPORT_FORMATS[0]).decode()
    workbook = openpyxl.load_workbook(io.BytesIO(export(admin_client, EXPORT_FORMATS[1])))

    row = csv_text.splitlines()[1]
    assert "'=HYPERLINK" in row and "'@SUM(1)" in row and "'+1" in row and "'-2" in row and "'=1+1" in row
    cells = [cell for cell in workbook.active[2] if cell.value]
    assert all(cell.data_type == "s" for cell in cells)
    assert not any(str(cell.value).startswith(("=", "+", "-", "@", "\t")) for cell in cells)


def test_import_exports_own_formula_setting_does_not_interfere(admin_client, settings):
    settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True  # import-export's own escaping must not interfere
    Reference.objects.create(key="evil", title="=1+1")

    assert "evil,article-journal,,,'=1+1," in export(admin_client, EXPORT_FORMATS[0]).decode()


def test_export_of_chosen_columns(admin_client, seeded):
    exported = json.loads(export(admin_client, EXPORT_FORMATS[2], referenceresource_key="on",
                                 referenceresource_authors="on"))  # fmt: skip

    assert exported[0] == {"key": "ada1999", "authors": "American Diabetes Association"}
    assert {"key": "iom1998", "authors": "{Institute of Medicine, Food and Nutrition Board}"} in exported


# Permissions


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_reference", "add_reference",
                                                                       "change_reference"]))  # fmt: skip
    client.force_login(user)
    return user


def grant(user, *codenames: str) -> None:
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


def test_editors_without_the_import_permission_get_403(client, editor, seeded):
    assert client.get(IMPORT_URL).status_code == 403
    assert (
        client.post(IMPORT_URL, {"import_file": SimpleUploadedFile("a.csv", b"title\nX\n")}).status_code
        == 403
    )
    assert client.get(EXPORT_URL).status_code == 403
    assert client.post(EXPORT_URL, {"format": "0", "referenceresource_key": "on"}).status_code == 403
    changelist = client.get("/admin/references/reference/").content.decode()
    assert "import_link" not in changelist and "export_link" not in changelist
    assert not ReferenceImport.objects.exists()
    assert snapshot() == seeded


def test_the_import_permission_alone_is_not_enough(client, django_user_model, seeded):
    user = django_user_model.objects.create_user("importer", password="pw", is_staff=True)
    grant(user, "view_reference", "import_reference")
    client.force_login(user)

    assert client.get(IMPORT_URL).status_code == 403
    assert (
        client.post(IMPORT_URL, {"import_file": SimpleUploadedFile("a.csv", b"title\nX\n")}).status_code
        == 403
    )
    assert snapshot() == seeded


def test_importing_needs_the_permissions_of_what_the_file_would_do(client, editor, seeded, django_user_model):
    """Allowed to import and to change references, but not to add them: a file that adds is refused."""
    editor.user_permissions.remove(Permission.objects.get(codename="add_reference"))
    grant(editor, "import_reference")
    client.force_login(django_user_model.objects.get(pk=editor.pk))
    data = (SEED_EXPORTS / "seed-references.json").read_bytes()[:-3] + b',\n{"id": "new1", "title": "New"}]\n'

    preview = client.post(IMPORT_URL, {"import_file": SimpleUploadedFile("refs.json", data)})

    page = preview.content.decode()
    assert "You may not add 1 new reference; nothing was imported." in page
    assert 'name="confirm"' not in page
    response = client.post(job_url(preview.context["job"]), {"confirm": "1"})  # a crafted POST
    assert "Nothing was imported: You may not add 1 new reference" in response.content.decode()
    assert snapshot() == seeded


def test_the_import_and_export_permissions_open_the_pages(client, editor, django_user_model):
    grant(editor, "import_reference", "export_reference")
    client.force_login(django_user_model.objects.get(pk=editor.pk))

    assert client.get(IMPORT_URL).status_code == 200
    assert client.get(EXPORT_URL).status_code == 200
    changelist = client.get("/admin/references/reference/").content.decode()
    assert "import_link" in changelist and "export_link" in changelist and "Look up by PMID/DOI" in changelist


def test_seed_ris_export_file_imports_through_the_admin(admin_client):
    preview = upload(admin_client, "seed-references.ris", (SEED_EXPORTS / "seed-references.ris").read_bytes())

    assert "51 new" in preview.content.decode()


def test_the_import_history_is_read_only(admin_client):
    confirm(admin_client, upload(admin_client, "one.csv", "title\nOnly\n"))

    listing = admin_client.get("/admin/references/referenceimport/").content.decode()
    assert "one.csv" in listing and "Imported" in listing
    assert admin_client.get("/admin/references/referenceimport/add/").status_code == 403


CURATED_RIS = (
    "TY  - JOUR\nAU  - Garrison, Scott R\nTI  - Magnesium for Skeletal Muscle Cramps.\n"
    "JO  - Cochrane Database Syst Rev\nPY  - 2020\nSP  - CD009402\nVL  - 9\n"
    "AN  - 32956536\nDO  - 10.1002/14651858.CD009402.pub3\nER  - \n\n"
    "TY  - JOUR\nAU  - Roffe, C\nTI  - Randomised, cross-over, placebo controlled trial of magnesium citrate\n"
    "PY  - 2002\nSP  - CR326\nEP  - CR330\nVL  - 8\nAN  - 12011773\nER  - \n"
)


def test_preview_never_offers_a_cosmetic_variant_of_a_curated_field(admin_client):
    Reference.objects.create(key="garrison2020", title="Magnesium for skeletal muscle cramps",
                             authors=[{"family": "Garrison", "given": "Scott R"}], issued_year=2020,
                             doi="10.1002/14651858.CD009402.pub3", container_title_short="Cochrane Database Syst Rev")  # fmt: skip
    Reference.objects.create(key="roffe2002", pmid="12011773", issued_year=2002, pages="CR326–30",
                             title="Randomised, cross-over, placebo controlled trial of magnesium citrate",
                             authors=[{"family": "Roffe", "given": "C"}])  # fmt: skip
    before = snapshot()

    preview = upload(admin_client, "curated.ris", CURATED_RIS)

    page = preview.content.decode()
    changes = {planned.key: planned.changes for planned in preview.context["plan"].records}
    assert set(changes["garrison2020"]) == {"container_title", "pages", "volume", "pmid"}  # what it adds
    assert changes["roffe2002"] == {"volume": ("", "8")}  # CR326-CR330 is the curated CR326–30
    assert "<dt>PMID</dt><dd><del>(empty)</del> → <ins>32956536</ins></dd>" in page
    assert "<dt>Volume</dt>" in page and "<dt>pmid</dt>" not in page and "container_title" not in page
    assert snapshot() == before

    confirm(admin_client, preview)

    garrison, roffe = Reference.objects.get(key="garrison2020"), Reference.objects.get(key="roffe2002")
    assert (garrison.pmid, garrison.title, garrison.authors[0]["given"]) == (
        "32956536",
        "Magnesium for skeletal muscle cramps",
        "Scott R",
    )
    assert (roffe.pages, roffe.volume) == ("CR326–30", "8")


def test_warnings_name_fields_as_editors_know_them(admin_client):
    preview = upload(admin_client, "bad.ris", "TY  - JOUR\nTI  - A title\nUR  - not a link\nER  - \n")

    page = preview.content.decode()
    assert "<td>URL</td>" in page and "<td>url</td>" not in page
