"""``cramps.transfer``: a site's content out as JSON and back in, through services, commands and admin."""

import json
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from taggit.models import Tag, TaggedItem

from cramps.models import FAQ, Article, Citation, FoodSource, Interaction, KeyPoint, Nutrient, Status
from cramps.transfer import ContentImportError, content_export, content_import
from references.models import Reference

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("load_demo", "--no-user", stdout=StringIO())


def empty_the_site() -> None:
    Citation.objects.all().delete()
    Article.objects.all().delete()
    Nutrient.objects.all().delete()
    Reference.objects.all().delete()
    TaggedItem.objects.all().delete()
    Tag.objects.all().delete()


def snapshot() -> dict:
    """Everything an import could change, as comparable values."""
    return {
        "references": list(Reference.objects.order_by("key").values()),
        "articles": list(Article.objects.order_by("slug").values()),
        "nutrients": list(Nutrient.objects.order_by("slug").values()),
        "inlines": [
            list(model.objects.order_by("pk").values()) for model in (KeyPoint, FAQ, FoodSource, Interaction)
        ],
        "tags": list(TaggedItem.objects.order_by("pk").values()),
        "citations": list(Citation.objects.order_by("pk").values()),
    }


def content(**sections) -> dict:
    return {
        "format": "cramps-content",
        "version": 1,
        "references": [],
        "nutrients": [],
        "articles": [],
        **sections,
    }


def reference_item(key="rude1998", **overrides) -> dict:
    item = {
        "key": key, "type": "article-journal", "authors": [{"family": "Rude", "given": "RK"}], "editors": [],
        "title": "Magnesium deficiency: a cause of heterogeneous disease in humans",
        "container_title": "Journal of Bone and Mineral Research", "container_title_short": "J Bone Miner Res",
        "issued_year": 1998, "volume": "13", "issue": "", "pages": "749-58", "publisher": "", "publisher_place": "",
        "edition": "", "url": "", "doi": "", "pmid": "", "pmcid": "", "isbn": "", "accessed": None, "abstract": "",
        "note": "",
    }  # fmt: skip
    return item | overrides


def nutrient_item(slug="magnesium", **overrides) -> dict:
    item = {"title": "Magnesium", "slug": slug, "summary": "A mineral [@rude1998].", "body": "## What\n\nText.",
            "status": "published", "tags": ["cramps"]}  # fmt: skip
    return item | overrides


def problems_of(data) -> list[str]:
    with pytest.raises(ContentImportError) as raised:
        content_import(data=data)
    return raised.value.problems


# Round trip


def test_export_import_into_an_empty_site_and_export_again_gives_the_same_bytes(demo):
    first = content_export()
    empty_the_site()

    summary = content_import(data=first.encode())

    assert content_export() == first
    data = json.loads(first)
    assert summary.count("article", "new") == len(data["articles"]) >= 4
    assert summary.count("nutrient", "new") == len(data["nutrients"]) >= 8
    assert summary.count("reference", "new") == len(data["references"]) >= 30
    magnesium = Nutrient.objects.get(slug="magnesium")
    assert magnesium.body_html and magnesium.summary_html  # rendered as it was saved
    assert Citation.objects.filter(object_id=magnesium.pk).count() > 5


def test_export_is_sorted_and_holds_no_ids_or_timestamps(demo):
    data = json.loads(content_export())

    assert list(data) == ["articles", "format", "nutrients", "references", "version"]
    assert [item["slug"] for item in data["nutrients"]] == sorted(item["slug"] for item in data["nutrients"])
    assert [item["key"] for item in data["references"]] == sorted(item["key"] for item in data["references"])
    text = json.dumps(data)
    for field in ('"id"', '"pk"', '"created"', '"updated"', '"author"', "body_html"):
        assert field not in text
    article = data["articles"][0]
    assert set(article) == {"title", "slug", "summary", "body", "status", "publish_at", "featured", "tags",
                            "related_nutrients", "medical_reviewer", "reviewed_on", "key_points", "faqs"}  # fmt: skip
    nutrient = next(item for item in data["nutrients"] if item["slug"] == "magnesium")
    assert set(nutrient["food_sources"][0]) == {"food", "serving", "amount", "daily_value", "notes", "source"}
    assert set(nutrient["intake_values"][0]) == {"life_stage", "ages", "sex", "kind", "amount", "upper_limit",
                                                 "limit_scope", "unit", "note", "source"}  # fmt: skip
    # Only references the documents cite, each as a full record.
    cited = set(Citation.objects.values_list("reference__key", flat=True))
    assert {item["key"] for item in data["references"]} == cited


def test_every_field_comes_across():
    vitamin = make_nutrient(slug="vitamin-b12", title="Vitamin B12")
    ref = make_reference(key="lajer1999", doi="10.1000/x1", pmid="123", pmcid="PMC5", isbn="0309063507",
                         url="https://example.org/a", abstract="Two\n\nparagraphs.", note="Editorial note.",
                         editors=[{"literal": "Institute of Medicine, Food and Nutrition Board"}],
                         accessed="2020-03-01", publisher="P", publisher_place="Q", edition="2")  # fmt: skip
    nutrient = make_nutrient(
        slug="magnesium", title="Magnesium", kind="mineral", aliases="Mg", evidence_grade="limited",
        evidence_rationale="Trials disagree [@lajer1999].", body="Body [@lajer1999].", featured=True,
        foods=[("Spinach", "80 mg", "Cooked [@lajer1999]."), ("Almonds", "", "[@lajer1999]")],
        interactions=[("Cisplatin", "Loss [@lajer1999].")], tags=["Dialysis", "cramps"],
        status=Status.REVIEW, publish_at="2026-05-01T09:30:00+02:00",
    )  # fmt: skip
    make_article(
        slug="chemo", title="Chemo", key_points=["Point one [@lajer1999].", "Point two."],
        faqs=[("Safe?", "Ask [@lajer1999].")], tags=["neuropathy"], nutrients=[nutrient, vitamin],
        medical_reviewer="Dr A", reviewed_on="2026-01-02",
    )  # fmt: skip
    first = content_export()
    before = json.loads(first)
    empty_the_site()

    content_import(data=first)

    assert content_export() == first
    article = Article.objects.get(slug="chemo")
    assert [point.text for point in article.key_points.all()] == ["Point one [@lajer1999].", "Point two."]
    assert [(faq.question, faq.answer) for faq in article.faqs.all()] == [("Safe?", "Ask [@lajer1999].")]
    assert sorted(article.related_nutrients.values_list("slug", flat=True)) == ["magnesium", "vitamin-b12"]
    assert (article.medical_reviewer, str(article.reviewed_on)) == ("Dr A", "2026-01-02")
    magnesium = Nutrient.objects.get(slug="magnesium")
    assert (magnesium.kind, magnesium.aliases, magnesium.evidence_grade, magnesium.status, magnesium.featured) == (
        "mineral", "Mg", "limited", "review", True)  # fmt: skip
    assert magnesium.publish_at.isoformat() == "2026-05-01T07:30:00+00:00"
    assert [(f.food, f.amount, f.notes) for f in magnesium.food_sources.all()] == [
        ("Spinach", "80 mg", "Cooked [@lajer1999]."), ("Almonds", "", "[@lajer1999]")]  # fmt: skip
    assert [(i.medication, i.effect) for i in magnesium.interactions.all()] == [
        ("Cisplatin", "Loss [@lajer1999].")
    ]
    assert sorted(magnesium.tags.names(), key=str.casefold) == ["cramps", "Dialysis"]
    assert before["references"][0]["key"] == "lajer1999"
    imported = Reference.objects.get(key="lajer1999")
    for field in ("doi", "pmid", "pmcid", "isbn", "url", "abstract", "note", "editors", "authors", "publisher",
                  "publisher_place", "edition", "title", "volume", "issue", "pages", "issued_year"):  # fmt: skip
        assert getattr(imported, field) == getattr(ref, field), field
    assert str(imported.accessed) == "2020-03-01"
    assert Citation.objects.filter(reference=imported).count() == 2


def test_importing_the_same_file_again_changes_nothing(demo):
    data = content_export()
    before = snapshot()

    summary = content_import(data=data)

    assert snapshot() == before
    assert {item.action for item in summary.items} == {"unchanged"}


def test_existing_slug_is_updated_and_its_inline_rows_replaced():
    make_reference(key="rude1998")
    make_nutrient(slug="magnesium", foods=[("Old food", "", "")], tags=["old"])
    data = content(
        nutrients=[
            nutrient_item(food_sources=[{"food": "Spinach", "amount": "80 mg", "notes": "[@rude1998]"}])
        ]
    )

    summary = content_import(data=data)

    magnesium = Nutrient.objects.get()
    assert [food.food for food in magnesium.food_sources.all()] == ["Spinach"]
    assert list(magnesium.tags.names()) == ["cramps"]
    assert magnesium.summary == "A mineral [@rude1998]."
    assert [(item.kind, item.name, item.action) for item in summary.items] == [
        ("nutrient", "magnesium", "update")
    ]


def test_reference_in_the_file_matched_by_key_is_updated():
    make_reference(
        key="rude1998", title="Old title", authors=[{"family": "Rude", "given": "RK"}], issued_year=1998
    )

    content_import(data=content(references=[reference_item(pmid="9646522")], nutrients=[nutrient_item()]))

    reference = Reference.objects.get()
    assert (reference.title, reference.pmid) == ("Magnesium deficiency: a cause of heterogeneous disease in humans",
                                                 "9646522")  # fmt: skip


def test_a_write_the_database_refuses_undoes_the_whole_import(monkeypatch):
    before = snapshot()
    save = Nutrient.save

    def refuse(self, *args, **kwargs):
        if self.slug == "zinc":
            raise IntegrityError("duplicate key value violates unique constraint")
        save(self, *args, **kwargs)

    monkeypatch.setattr(Nutrient, "save", refuse)
    data = content(
        references=[reference_item()], nutrients=[nutrient_item(), nutrient_item("zinc", title="Zinc")]
    )

    assert problems_of(data) == [
        "The database refused the import (duplicate key value violates unique constraint); nothing was imported."
    ]
    assert snapshot() == before


def test_dry_run_changes_nothing():
    before = snapshot()

    summary = content_import(
        data=content(references=[reference_item()], nutrients=[nutrient_item()]), dry_run=True
    )

    assert snapshot() == before
    assert [item.action for item in summary.items] == ["new", "new"]


# Refused files


def test_invalid_items_are_all_named_and_nothing_is_written():
    make_nutrient(slug="zinc", title="Zinc")
    before = snapshot()
    data = content(
        references=[reference_item(), reference_item("bad", doi="not a doi", title="Other", colour="red")],
        nutrients=[nutrient_item(), nutrient_item("iron", summary="Iron [@nobody2000].", kind="metal")],
        articles=[{"title": "A", "slug": "a", "related_nutrients": ["copper"], "faqs": [{"question": "Q?"}]}],
    )

    problems = problems_of(data)

    assert problems == [
        "Reference @bad: unknown field “colour”.",
        "Nutrient “iron”, kind: Value 'metal' is not a valid choice.",
        "Nutrient “iron”, summary: cites @nobody2000, which is neither on this site nor among the file's references.",
        "Article “a”: related nutrient “copper” is neither on this site nor in the file.",
    ]
    assert snapshot() == before


def test_field_errors_name_the_item_and_field():
    problems = problems_of(content(
        references=[reference_item(doi="not a doi"), reference_item("b", issued_year="1998", title="T")],
        articles=[{"title": "A", "slug": "a", "faqs": [{"question": "Q?", "answer": ""}], "featured": "yes"},
                  {"title": "B", "slug": "b", "faqs": [{"question": "Q?", "answer": ""}]}],
    ))  # fmt: skip

    assert problems == [
        "Reference @rude1998, doi: “not a doi” is not a DOI: it should look like 10.1234/abc.",
        "Reference @b: “issued_year” should be a whole number or null.",
        "Article “a”: “featured” should be true or false.",
        "Article “b”, faqs 1, answer: This field cannot be blank.",
    ]


def test_same_work_under_another_key_is_refused():
    make_reference(key="seretny2014", doi="10.1016/j.pain.2014.09.020")

    problems = problems_of(
        content(references=[reference_item("seretny2014b", doi="10.1016/J.PAIN.2014.09.020")])
    )

    assert problems == [
        (
            "Reference @seretny2014b: this is the same work as @seretny2014 on this site "
            "(same DOI 10.1016/j.pain.2014.09.020); change one key to match the other, then import again."
        )
    ]


def test_items_listed_twice_are_refused():
    problems = problems_of(content(
        references=[reference_item(), reference_item()],
        nutrients=[nutrient_item(), nutrient_item()],
    ))  # fmt: skip

    assert problems == ["Reference @rude1998: the file lists this key twice.",
                        "Nutrient “magnesium”: the file lists this nutrient twice."]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'{"format": "cramps-content", "version": 1, "articles": [',
            "The file is not valid JSON: line 1, column",
        ),
        (b"[]", 'This is not a Cramps content file (it should say "format": "cramps-content").'),
        (b'{"format": "cramps-content", "version": 2}', "This content file is version 2; Cramps reads 1."),
        (
            b'{"format": "cramps-content", "version": 1, "pages": []}',
            "Unknown section “pages” at the top of the file.",
        ),
        (
            '{"format": "cramps-content", "version": 1}'.encode("utf-16-le"),
            "UTF-16 text without a byte-order mark",
        ),
        (b"", "The file is empty."),
    ],
)
def test_unreadable_files(data, message):
    assert message in problems_of(data)[0]


# Commands


def test_export_and_import_commands(demo, tmp_path):
    path = tmp_path / "content.json"
    call_command("export_content", str(path), stdout=StringIO())
    first = path.read_text(encoding="utf-8")
    empty_the_site()
    out = StringIO()

    call_command("import_content", str(path), stdout=out)

    assert "Imported." in out.getvalue()
    assert content_export() == first


def test_import_command_dry_run_and_refusal(tmp_path):
    path = tmp_path / "content.json"
    path.write_text(json.dumps(content(nutrients=[nutrient_item()])), encoding="utf-8")
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="Nothing was imported from .*: 1 problem"):
        call_command("import_content", str(path), stdout=out, stderr=err)
    path.write_text(
        json.dumps(content(references=[reference_item()], nutrients=[nutrient_item()])), encoding="utf-8"
    )
    call_command("import_content", str(path), "--dry-run", stdout=out, stderr=err)

    assert "cites @rude1998, which is neither on this site" in err.getvalue()
    assert "References: 1 new, 0 update, 0 unchanged; nutrients: 1 new" in out.getvalue()
    assert "Dry run: nothing was saved." in out.getvalue()
    assert not Nutrient.objects.exists()


# Admin


def test_admin_export_downloads_the_json(admin_client, demo):
    response = admin_client.get("/admin/cramps/nutrient/export-content/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="cramps-content-')
    assert response.content.decode() == content_export()
    changelist = admin_client.get("/admin/cramps/article/").content.decode()
    assert "Export all content (JSON)" in changelist and "Import content (JSON)" in changelist


def test_admin_import_previews_then_imports(admin_client, demo):
    data = content_export().encode()
    empty_the_site()

    preview = admin_client.post("/admin/cramps/article/import-content/",
                                {"content_file": SimpleUploadedFile("site.json", data)})  # fmt: skip

    page = preview.content.decode()
    assert "Preview of “site.json”" in page
    assert not Article.objects.exists()
    token = preview.context["token"]
    response = admin_client.post("/admin/cramps/article/import-content/", {"confirm": "1", "token": token})
    assert response.status_code == 302
    assert content_export().encode() == data


def test_admin_import_refusal_names_the_problems(admin_client):
    bad = json.dumps(content(nutrients=[nutrient_item()])).encode()

    response = admin_client.post("/admin/cramps/nutrient/import-content/",
                                 {"content_file": SimpleUploadedFile("site.json", bad)})  # fmt: skip

    page = response.content.decode()
    assert "“site.json” was refused" in page
    assert "Nutrient “magnesium”, summary: cites @rude1998" in page
    assert not Nutrient.objects.exists()


def test_admin_import_refuses_an_oversized_file(admin_client, settings):
    settings.CRAMPS_IMPORT_MAX_BYTES = 100

    response = admin_client.post("/admin/cramps/nutrient/import-content/",
                                 {"content_file": SimpleUploadedFile("big.json", b" " * 101)})  # fmt: skip

    assert (
        "“big.json” is 101\xa0bytes; Cramps imports files of up to 100\xa0bytes." in response.content.decode()
    )


def test_admin_import_with_a_tampered_token(admin_client):
    response = admin_client.post(
        "/admin/cramps/nutrient/import-content/", {"confirm": "1", "token": "../../x"}
    )

    assert response.status_code == 302


def test_content_pages_need_their_permissions(client, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["view_article", "view_nutrient"]))
    client.force_login(editor)

    assert client.get("/admin/cramps/article/export-content/").status_code == 403
    assert client.get("/admin/cramps/nutrient/import-content/").status_code == 403
    assert "Export all content" not in client.get("/admin/cramps/article/").content.decode()

    editor.user_permissions.add(Permission.objects.get(codename="export_content"))
    client.force_login(django_user_model.objects.get(pk=editor.pk))
    assert client.get("/admin/cramps/article/export-content/").status_code == 200
    assert client.get("/admin/cramps/nutrient/import-content/").status_code == 403


# Changes to existing pages


def test_an_edited_export_is_applied_and_every_change_listed(demo):
    data = json.loads(content_export())
    article = next(item for item in data["articles"] if item["key_points"] and item["faqs"])
    nutrient = next(item for item in data["nutrients"] if item["slug"] == "magnesium")
    uncited = next(ref["key"] for ref in data["references"] if f"@{ref['key']}" not in json.dumps(article))
    article["title"] = "A new title"
    article["body"] += f"\n\nA new paragraph [@{uncited}]."
    article["key_points"][0] = "A changed key point."
    article["faqs"][0]["answer"] = "A changed answer."
    article["tags"] = sorted([*article["tags"], "new-tag"])
    nutrient["summary"] = "A new summary."
    nutrient["food_sources"][0]["amount"] = "A new amount"
    nutrient["featured"] = not nutrient["featured"]

    summary = content_import(data=data)

    changes = {item.name: item.changes for item in summary.items if item.action == "update"}
    assert set(changes) == {article["slug"], "magnesium"}
    assert changes[article["slug"]][:1] == ("title",)
    assert {"body", "tags", "key points", "FAQ entries"} <= set(changes[article["slug"]])
    assert f"citations (+@{uncited})" in changes[article["slug"]]
    assert set(changes["magnesium"]) >= {"summary", "featured", "food sources"}
    saved = Article.objects.get(slug=article["slug"])
    assert saved.title == "A new title" and "A new paragraph" in saved.body
    assert saved.key_points.first().text == "A changed key point."
    assert saved.faqs.first().answer == "A changed answer."
    assert "new-tag" in saved.tags.names()
    magnesium = Nutrient.objects.get(slug="magnesium")
    assert magnesium.summary == "A new summary." and magnesium.food_sources.first().amount == "A new amount"
    assert json.loads(content_export()) == data
    assert {item.action for item in summary.items if item.name not in changes} == {"unchanged"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "Other"), ("summary", "Other."), ("status", "review"), ("medical_reviewer", "Dr B"),
     ("tags", ["only-this"]), ("food_sources", []), ("evidence_rationale", "New [@rude1998].")],
)  # fmt: skip
def test_only_identical_pages_are_unchanged(field, value):
    make_reference(key="rude1998")
    make_nutrient(
        slug="magnesium",
        title="Magnesium",
        summary="A mineral [@rude1998].",
        foods=[("Nuts", "", "[@rude1998]")],
    )
    data = json.loads(content_export())
    assert {item.action for item in content_import(data=data).items} == {"unchanged"}
    data["nutrients"][0][field] = value

    summary = content_import(data=data)

    item = next(item for item in summary.items if item.kind == "nutrient")
    assert item.action == "update" and item.changes
    assert json.loads(content_export())["nutrients"][0][field] == value


def test_the_admin_preview_lists_what_changes(admin_client):
    make_reference(key="rude1998")
    make_nutrient(slug="magnesium", title="Magnesium", summary="A mineral [@rude1998].")
    data = json.loads(content_export())
    data["nutrients"][0]["title"] = "Magnesium (Mg)"
    data["nutrients"][0]["body"] = "New body [@rude1998]."

    preview = admin_client.post("/admin/cramps/nutrient/import-content/",
                                {"content_file": SimpleUploadedFile("site.json", json.dumps(data).encode())})  # fmt: skip

    page = preview.content.decode()
    assert '<td class="content-import-changes">title, body</td>' in page
    assert Nutrient.objects.get().title == "Magnesium"


def test_an_import_needs_the_permissions_of_what_it_writes(django_user_model):
    from .factories import make_user

    make_reference(key="rude1998")
    make_nutrient(slug="live", title="Live")
    make_nutrient(slug="draft", title="Draft", status=Status.DRAFT, summary="Cites [@rude1998].")
    data = json.loads(content_export())
    data["nutrients"][0]["status"] = "published"  # the draft
    data["nutrients"][1]["title"] = "Live, edited"
    data["references"][0]["title"] = "Corrected"
    data["references"].append(reference_item("new2024", title="Another work", issued_year=2024))
    data["articles"].append({"title": "New", "slug": "new", "medical_reviewer": "Dr X"})
    importer = make_user("importer", permissions=["import_content", "add_nutrient", "change_nutrient",
                                                  "add_article", "view_reference"])  # fmt: skip
    before = snapshot()

    with pytest.raises(ContentImportError) as refused:
        content_import(data=data, user=importer)

    assert refused.value.problems == [
        "Reference @rude1998: you may not change references (the “references.change_reference” permission).",
        "Reference @new2024: you may not add references (the “references.add_reference” permission).",
        "Nutrient “draft”: You may not take the step “Published” for nutrients: it needs the Publisher role "
        "(the “cramps.publish_nutrient” permission).",
        "Nutrient “live”: only a Publisher may change a published or scheduled nutrient.",
        "Article “new”: You may not take the step “Medical review recorded” for articles: it needs the Medical "
        "reviewer role (the “cramps.review_article” permission).",
    ]
    assert snapshot() == before
    publisher = make_user("pub", "Publisher", "Medical reviewer")
    content_import(data=data, user=publisher)
    assert Nutrient.objects.get(slug="draft").is_public
    assert Article.objects.get(slug="new").medical_reviewer == "Dr X"
