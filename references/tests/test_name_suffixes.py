"""A name's suffix ("III", "Jr.") survives every reader, every writer and the admin form (issue 10)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from references.export_formats import EXPORT_FORMATS
from references.formats import read_file
from references.formats.crossref import record_from_crossref
from references.formats.pubmed_xml import records_from_pubmed_xml
from references.models import Reference
from references.record import RECORD_FIELDS

SMITH = {"family": "Smith", "given": "Amos B", "suffix": "III"}
SMITH_JR = {"family": "Smith", "given": "Amos B.", "suffix": "Jr."}

READERS = [
    ("ris", "TY  - JOUR\nAU  - Smith, Amos B, III\nTI  - Cramps\nER  - \n", SMITH),
    (
        "nbib",
        "PMID- 1\nTI  - Cramps.\nFAU - Smith, Amos B 3rd\nAU  - Smith AB 3rd\n",
        SMITH | {"suffix": "3rd"},
    ),
    (
        "nbib",
        "PMID- 1\nTI  - Cramps.\nAU  - Smith AB 3rd\n",
        {"family": "Smith", "given": "AB", "suffix": "3rd"},
    ),
    ("bib", "@article{a, author = {Smith, III, Amos B}, title = {Cramps}}\n", SMITH),
    ("bib", "@article{a, author = {Amos B. Smith Jr.}, title = {Cramps}}\n", SMITH_JR),
    ("json", json.dumps([{"id": "a", "title": "Cramps", "author": [SMITH]}]), SMITH),
    ("txt", "FN Clarivate\nVR 1.0\nPT J\nAF Smith, Amos B., Jr.\nTI Cramps\nER\nEF\n", SMITH_JR),
    ("csv", 'title,authors\nCramps,"Smith, Amos B, III; Doe, J"\n', SMITH),
]


@pytest.mark.parametrize(
    ("extension", "text", "name"), READERS, ids=[f"{e}-{n}" for n, (e, *_) in enumerate(READERS)]
)
def test_every_reader_keeps_the_suffix(extension, text, name):
    [record] = read_file(f"refs.{extension}", text.encode())

    assert record["authors"][0] == name


def test_pubmed_xml_keeps_the_suffix():
    xml = (
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>Cramps."
        b"</ArticleTitle><AuthorList><Author ValidYN='Y'><LastName>Smith</LastName><ForeName>Amos B</ForeName>"
        b"<Initials>AB</Initials><Suffix>3rd</Suffix></Author></AuthorList></Article></MedlineCitation>"
        b"</PubmedArticle></PubmedArticleSet>"
    )

    [record] = records_from_pubmed_xml(xml)

    assert record["authors"] == [SMITH | {"suffix": "3rd"}]


def test_crossref_keeps_the_suffix(samples):
    work = json.loads((samples / "crossref-json" / "abbotsbury-test5.json").read_bytes())["message"]

    assert {"family": "Smith", "given": "Amos B.", "suffix": "III"} in record_from_crossref(work)["authors"]


@pytest.mark.django_db
@pytest.mark.parametrize("format_class", EXPORT_FORMATS, ids=lambda format_class: format_class.__name__)
def test_every_export_reads_back_with_the_suffix(admin_client, format_class):
    Reference.objects.create(key="smith2019", title="Cramps", authors=[SMITH, {"family": "Doe", "given": "J"}],
                             editors=[SMITH_JR], issued_year=2019)  # fmt: skip
    fields = {f"referenceresource_{field}": "on" for field in ("key", *RECORD_FIELDS)}
    index = str(EXPORT_FORMATS.index(format_class))
    exported = admin_client.post("/admin/references/reference/export/", {"format": index, **fields}).content
    Reference.objects.all().delete()

    preview = admin_client.post("/admin/references/reference/import/", {
        "import_file": SimpleUploadedFile(f"export.{format_class().get_extension()}", exported)})  # fmt: skip
    admin_client.post(f"/admin/references/reference/import/{preview.context['job'].pk}/", {"confirm": "1"})

    reference = Reference.objects.get()
    assert (reference.authors, reference.editors) == ([SMITH, {"family": "Doe", "given": "J"}], [SMITH_JR])


@pytest.mark.django_db
def test_the_admin_form_shows_and_keeps_the_suffix(admin_client):
    reference = Reference.objects.create(key="smith2019", title="Cramps", authors=[SMITH], issued_year=2019)
    url = f"/admin/references/reference/{reference.pk}/change/"

    form = admin_client.get(url).context["adminform"].form
    assert form.initial["authors"] == "Smith, Amos B, III"
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(authors="Smith, Amos B, III\nDoe, J", editors="", accessed="", issued_year="2019")
    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    reference.refresh_from_db()
    assert reference.authors == [SMITH, {"family": "Doe", "given": "J"}]
    assert "Amos B Smith III" in reference.authors_text
