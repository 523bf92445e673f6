"""The reference admin's import and export pages (django-import-export), driven as an editor would."""

import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import IntegrityError

from references.formats.records import RECORD_FIELDS
from references.import_formats import EXPORT_FORMATS, IMPORT_FORMATS
from references.models import Reference

pytestmark = pytest.mark.django_db

IMPORT_URL = "/admin/references/reference/import/"
CONFIRM_URL = "/admin/references/reference/process_import/"
EXPORT_URL = "/admin/references/reference/export/"
FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "0001_references.json"
SEED_EXPORTS = Path(__file__).resolve().parent / "seed_exports"


@pytest.fixture(autouse=True)
def _uploads_in_the_cache(settings):
    """Previews that are never confirmed would otherwise leave their upload in the temp folder."""
    settings.IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"


def upload(client, name: str, data: bytes | str, format_title: str = ""):
    """Post a file to the import page; ``format_title`` picks the format as the editor would, else detection."""
    data = data.encode() if isinstance(data, str) else data
    form = {"resource": "0", "import_file": SimpleUploadedFile(name, data), "format": ""}
    if format_title:
        form["format"] = str([fmt().get_title() for fmt in IMPORT_FORMATS].index(format_title))
    return client.post(IMPORT_URL, form)


def confirm(client, preview):
    return client.post(CONFIRM_URL, preview.context["confirm_form"].initial)


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
                  "CSL-JSON", "CSV (spreadsheet)", "Excel workbook (.xlsx)", "JSON (Cramps columns)"):  # fmt: skip
        assert title in page


def test_preview_then_confirm(admin_client, samples):
    preview = upload(
        admin_client, "pubmed_result2.txt", (samples / "medline" / "pubmed_result2.txt").read_bytes()
    )

    page = preview.content.decode()
    assert "4 new, 0 to update, 0 unchanged, 0 duplicates left out." in page
    assert page.count('<tr class="new">') == 4
    assert not Reference.objects.exists()

    response = confirm(admin_client, preview)

    assert response.status_code == 302
    assert Reference.objects.count() == 4
    messages = [str(message) for message in response.wsgi_request._messages]
    assert messages == ["Import finished: 4 new, 0 updated, 0 unchanged, 0 duplicates left out."]


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
    )

    preview = upload(admin_client, "mixed.csv", data)

    page = preview.content.decode()
    assert "1 new, 1 to update, 1 unchanged, 2 duplicates left out." in page
    rows = [(row.number, row.import_type) for row in preview.context["result"].rows]
    assert rows == [(1, "new"), (2, "update"), (3, "skip"), (4, "duplicate"), (5, "duplicate")]
    assert "Update (same DOI 10.1000/rude)" in page
    assert "Unchanged (same PMID 3296589)" in page
    assert "Duplicate of row 2 (same DOI 10.1000/rude)" in page
    assert "Duplicate of row 1 (same title, first author and year)" in page
    assert "<ins" in page and "13" in page  # the update's new volume is highlighted
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

    assert "0 new, 0 to update, 17 unchanged, 0 duplicates left out." in preview.content.decode()
    confirm(admin_client, preview)
    assert snapshot() == before


# Import: bad input names the file, row and field; nothing changes


@pytest.mark.parametrize(
    ("name", "data", "format_title", "message"),
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
         "“utf16.txt”: This file looks like UTF-16 text without a byte-order mark."),
        ("refs.txt", "Just some notes.", "", "Cramps cannot tell what kind of file “refs.txt” is: choose its format."),
        ("library.bib", "@article{a, title={A}}", "RIS (EndNote, Zotero, Mendeley)",
         "“library.bib” could not be read: No RIS records found"),
        ("refs.xlsx", b"PK\x03\x04 not really a workbook", "",
         "“refs.xlsx” could not be read: This is not a readable Excel (.xlsx) workbook"),
        ("zotero.json", '[{"id": "a", "title": "A", "author": [{"family": "B"}]}]', "JSON (Cramps columns)",
         "“zotero.json” could not be read: This is CSL-JSON, not Cramps' JSON columns"),
    ],
)  # fmt: skip
def test_unreadable_files_are_named_and_change_nothing(
    admin_client, seeded, name, data, format_title, message
):
    response = upload(admin_client, name, data, format_title)

    assert response.status_code == 200
    assert message in file_error(response)
    assert "confirm_form" not in response.context
    assert snapshot() == seeded


def test_oversized_file_is_refused_before_reading(admin_client, settings, seeded):
    settings.CRAMPS_IMPORT_MAX_BYTES = 1024

    response = upload(admin_client, "big.ris", "TY  - JOUR\nTI  - A\nER  - \n" * 60)

    assert "“big.ris” is 1.5\xa0KB; Cramps imports files of up to 1.0\xa0KB." in file_error(response)
    assert snapshot() == seeded


def test_default_size_limit_is_five_mebibytes(admin_client):
    response = upload(admin_client, "huge.csv", b"title\n" + b"x" * (5 * 1024 * 1024))

    assert "“huge.csv” is 5.0\xa0MB; Cramps imports files of up to 5.0\xa0MB." in file_error(response)


def test_invalid_rows_are_listed_by_row_and_field(admin_client, seeded):
    data = "key,title,doi,issued_year\nfine,Fine,,2001\nbad,,not-a-doi,c. 1998\nrude1998,Another,,\n"

    response = upload(admin_client, "rows.csv", data)

    page = response.content.decode()
    assert "Some rows are not valid" in page
    problems = {(row.number, field): messages for row in response.context["result"].invalid_rows
                for field, messages in row.error_dict.items()}  # fmt: skip
    assert problems == {
        (2, "issued_year"): ["“c. 1998” is not a year."],
        (2, "title"): ["This field cannot be blank."],
        (2, "doi"): ["“not-a-doi” is not a DOI: it should look like 10.1234/abc."],
        (3, "key"): [
            (
                "“rude1998” is already the key of another reference; change it in the file, or leave it empty "
                "and Cramps will make one."
            )
        ],
    }
    assert "<td>2</td>\n            <td>bad</td>" in page
    assert "“c. 1998” is not a year." in page
    assert "confirm_form" not in response.context
    assert snapshot() == seeded


def test_missing_title_column(admin_client, seeded):
    response = upload(
        admin_client, "zotero.csv", "Item Type,Publication Year,Author\njournalArticle,2001,X\n"
    )

    page = response.content.decode()
    assert "The file has no “title” column, so no row can be read. Its columns: item_type, publication_year, " \
           "author." in page  # fmt: skip
    assert "Traceback" not in page
    assert snapshot() == seeded


def test_all_or_nothing_when_a_row_fails_validation_at_confirm(admin_client, seeded):
    data = "key,title\nfirst,First\nsecond,Second\nthird,Third\n"
    preview = upload(admin_client, "three.csv", data)
    assert "3 new" in preview.content.decode()
    # Someone adds a reference with the third row's key between preview and confirm.
    Reference.objects.create(key="third", title="Added meanwhile")
    before = snapshot()

    response = confirm(admin_client, preview)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was imported" in page
    assert "“third” is already the key of another reference" in page
    assert snapshot() == before


def test_all_or_nothing_when_the_database_refuses_a_row_at_confirm(admin_client, seeded, monkeypatch):
    preview = upload(admin_client, "three.csv", "title\nFirst\nSecond\nThird\n")
    save = Reference.save

    def refuse_the_third(self, *args, **kwargs):
        if self.title == "Third":
            raise IntegrityError("duplicate key value violates unique constraint")
        save(self, *args, **kwargs)

    monkeypatch.setattr(Reference, "save", refuse_the_third)

    response = confirm(admin_client, preview)

    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "Row 3: duplicate key value violates unique constraint" in page
    assert snapshot() == seeded


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
        if format_class().get_extension() == "ris" and key in ("iom1998", "iom1999", "usda2003"):
            continue  # RIS cannot mark an organisation whose name holds a comma
        assert after[key] == record, key


@pytest.mark.parametrize("index", [0, 1, 2], ids=["CSV", "XLSX", "JSON"])
def test_spreadsheet_exports_round_trip_losslessly(admin_client, seeded, index):
    Reference.objects.filter(key="rude1998").update(note="Our own note.", abstract="One.\n\nTwo.",
                                                    accessed="2020-02-03")  # fmt: skip
    before = records()
    exported = export(admin_client, EXPORT_FORMATS[index])

    preview = upload(admin_client, f"export.{EXPORT_FORMATS[index]().get_extension()}", exported)
    assert "0 new, 0 to update, 36 unchanged" in preview.content.decode()
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


def test_editors_without_the_permissions_get_403(client, editor, seeded):
    assert client.get(IMPORT_URL).status_code == 403
    assert (
        client.post(IMPORT_URL, {"import_file": SimpleUploadedFile("a.csv", b"title\nX\n")}).status_code
        == 403
    )
    assert client.post(CONFIRM_URL, {"import_file_name": "x", "original_file_name": "a.csv",
                                     "format": "0"}).status_code == 403  # fmt: skip
    assert client.get(EXPORT_URL).status_code == 403
    assert client.post(EXPORT_URL, {"format": "0", "referenceresource_key": "on"}).status_code == 403
    changelist = client.get("/admin/references/reference/").content.decode()
    assert "import_link" not in changelist and "export_link" not in changelist
    assert snapshot() == seeded


def test_the_import_and_export_permissions_open_the_pages(client, editor, django_user_model):
    editor.user_permissions.add(
        *Permission.objects.filter(codename__in=["import_reference", "export_reference"])
    )
    client.force_login(django_user_model.objects.get(pk=editor.pk))

    assert client.get(IMPORT_URL).status_code == 200
    assert client.get(EXPORT_URL).status_code == 200
    changelist = client.get("/admin/references/reference/").content.decode()
    assert "import_link" in changelist and "export_link" in changelist and "Look up by PMID/DOI" in changelist


def test_seed_ris_export_file_imports_through_the_admin(admin_client):
    preview = upload(admin_client, "seed-references.ris", (SEED_EXPORTS / "seed-references.ris").read_bytes())

    assert "36 new" in preview.content.decode()
