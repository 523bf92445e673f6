"""PDF handouts: what a reader finds in the PDF, who may get one, and how stored PDFs are reused.

Every test renders for real and reads the PDF back with pypdf.
"""

import io
import re
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from cramps.handouts import document, keys, rendering, store
from cramps.models import Handout, HandoutState, KeyPoint, Status
from cramps.services import document_refresh

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db

HIDDEN = {
    "draft": {"status": Status.DRAFT},
    "review": {"status": Status.REVIEW},
    "scheduled": {"status": Status.PUBLISHED, "publish_at": timezone.now() + timedelta(days=3)},
}
A4 = (595, 842)
LETTER = (612, 792)


@pytest.fixture(autouse=True)
def _store(settings, tmp_path):
    """Each test has its own empty handout store and the default limits."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CRAMPS_HANDOUT_TIMEOUT = 60
    settings.CRAMPS_HANDOUT_MEMORY_MB = 1024
    settings.CRAMPS_HANDOUT_PAPER = "a4"


@pytest.fixture
def renders():
    """Every render, as the keys ``handout_rendered`` reports (stored handouts send nothing)."""
    seen: list[str] = []

    def receiver(sender, key, **kwargs):
        seen.append(key)

    rendering.handout_rendered.connect(receiver)
    yield seen
    rendering.handout_rendered.disconnect(receiver)


def stored_files(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / store.STORE_FOLDER
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def read_pdf(response) -> PdfReader:
    """The PDF of a handout response (a streamed response can be read once: keep the reader)."""
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.getvalue()))


def pdf_pages(response) -> list[str]:
    return [page.extract_text() for page in read_pdf(response).pages]


def page_size(reader: PdfReader) -> tuple[int, int]:
    box = reader.pages[0].mediabox
    return round(box.width), round(box.height)


def in_text_citations(text: str) -> list[str]:
    """The bracketed citation numbers of a text, in reading order: ['1', '1–3', '5, p. 12']."""
    return re.findall(r"\[(\d[\d,–]*(?:, p\. \d+)?)\]", text)


def reference_titles(text: str) -> list[tuple[str, str]]:
    """(number, title) of each reference list entry, in the order they are printed."""
    listing = text[text.index("\nReferences\n") :]
    return re.findall(r"(\d+)\. Author\d+ AB\. (Study of \w+)\.", listing)


@pytest.fixture
def refs():
    return {
        key: make_reference(key=key, title=f"Study of {key}", pmid=str(9000 + n), doi=f"10.1000/{key}")
        for n, key in enumerate(["alpha", "beta", "gamma", "delta", "eps", "zeta"])
    }


@pytest.fixture
def article(refs):
    return make_article(
        title="Leg cramps at night",
        slug="night-cramps",
        summary="Night cramps are common [@gamma].",
        key_points=["Stretching may help [@beta].", "Magnesium has mixed evidence [@alpha; @beta; @gamma]."],
        body="## Why they happen\n\nNobody knows [@zeta].\n\n### Risk factors\n\nAge [@delta, p. 12].\n\n"
        "## What helps\n\nStretch your calves before bed.",
        faqs=[("Is quinine safe?", "Not usually [@eps].")],
        tags=["night", "legs"],
        medical_reviewer="Dr A. Example, MD",
        reviewed_on=timezone.now().date() - timedelta(days=30),
    )


def test_article_handout_is_a_cited_document_for_the_doctor(client, article):
    response = client.get("/articles/night-cramps/handout.pdf")

    pages = pdf_pages(response)
    text = "\n".join(pages)
    body = text[: text.index("\nReferences\n")]
    assert "Leg cramps at night" in pages[0]
    assert "For discussion with your healthcare provider. Not medical advice." in pages[0]
    assert "Notes / my current medications" in pages[0]
    # gamma=1 (summary), beta=2, alpha=3 (key points), zeta=4, delta=5 (body), eps=6 (FAQ).
    assert in_text_citations(body) == ["1", "2", "1–3", "4", "5, p. 12", "6"]
    assert reference_titles(text) == [
        ("1", "Study of gamma"), ("2", "Study of beta"), ("3", "Study of alpha"),
        ("4", "Study of zeta"), ("5", "Study of delta"), ("6", "Study of eps"),
    ]  # fmt: skip
    for number, page in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in page
        assert "Cramps · http://testserver/articles/night-cramps/" in page
    assert "Medically reviewed by Dr A. Example, MD on" in pages[0]
    assert f"Generated {timezone.now():%-d %B %Y}" in pages[0]
    assert response["Content-Disposition"] == 'inline; filename="cramps-night-cramps-handout.pdf"'


def test_handout_links_metadata_bookmarks_and_tags(client, article):
    reader = read_pdf(client.get("/articles/night-cramps/handout.pdf"))

    links = {
        annotation.get_object()["/A"].get("/URI")
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    }
    assert {"https://pubmed.ncbi.nlm.nih.gov/9000/", "https://doi.org/10.1000/alpha"} <= links
    assert reader.metadata.title == "Leg cramps at night"
    assert reader.metadata.author == "Cramps"
    assert reader.metadata.subject == "Night cramps are common [1]."
    assert set(reader.metadata["/Keywords"].split(", ")) == {"night", "legs"}
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    title, children = reader.outline[0], reader.outline[1]
    assert title.title == "Leg cramps at night"
    assert [item.title for item in children if not isinstance(item, list)] == [
        "Key points", "Why they happen", "What helps", "Frequently asked questions", "References",
    ]  # fmt: skip


def test_in_text_citations_are_clickable_links_to_their_entries(client, article):
    """Each shown number jumps to its entry. Printed citations carry no ids (nothing in a PDF
    links back to them), so the only destinations are headings, parts and entries."""
    reader = read_pdf(client.get("/articles/night-cramps/handout.pdf"))

    targets = [
        (str(annotation.get_object()["/Dest"]), annotation.get_object()["/Rect"])
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/Dest" in annotation.get_object()
    ]
    assert sorted({name for name, _ in targets}) == [f"ref-{n}" for n in range(1, 7)]
    # 1 (summary), 2, 1–3 (key points: 1 and 3), 4, 5 (body), 6 (FAQ).
    assert len(targets) == 7
    for name, (left, bottom, right, top) in targets:
        assert abs(float(top) - float(bottom)) >= 4 and float(right) - float(left) >= 4, (name, bottom, top)
    destinations = reader.named_destinations
    assert {f"ref-{n}" for n in range(1, 7)} <= set(destinations)
    assert not [name for name in destinations if name.startswith("cite-")]


def test_nutrient_handout_shows_evidence_foods_and_interactions(client, refs):
    make_nutrient(
        title="Magnesium",
        slug="magnesium",
        aliases="Mg",
        evidence_rationale="Trials disagree [@beta; @alpha].",
        body="## What it is\n\nA mineral [@gamma].",
        foods=[("Pumpkin seeds", "150 mg per 30 g", "Rich [@delta]")],
        interactions=[("Quinolone antibiotics", "Take apart [@alpha].")],
    )

    text = "\n".join(pdf_pages(client.get("/nutrients/magnesium/handout.pdf")))

    assert "Also called: Mg" in text and "Evidence for muscle cramps" in text
    assert "Pumpkin seeds" in text and "Quinolone antibiotics" in text
    assert in_text_citations(text[: text.index("\nReferences\n")]) == ["1,2", "3", "4", "2"]
    assert [title for _, title in reference_titles(text)] == [
        "Study of beta", "Study of alpha", "Study of gamma", "Study of delta",
    ]  # fmt: skip


def test_combined_handout_merges_and_renumbers_the_references(client, refs):
    make_article(title="Night cramps", slug="night", body="First [@beta]. Then [@alpha].")
    make_nutrient(title="Magnesium", slug="magnesium", body="Shared [@alpha]; own [@gamma; @beta].")

    response = client.get("/handout.pdf?items=article:night,nutrient:magnesium&paper=letter")

    reader = read_pdf(response)
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    body = text[: text.index("\nReferences\n")]
    assert reader.metadata.title == "Handout: Night cramps; Magnesium"
    assert "Summary for your appointment" in pages[0] and "Contents" in pages[1]
    # beta=1, alpha=2 from the article; the nutrient's alpha and beta keep them, gamma is 3.
    assert in_text_citations(body) == ["1", "2", "2", "1,3"]
    assert reference_titles(text) == [
        ("1", "Study of beta"), ("2", "Study of alpha"), ("3", "Study of gamma"),
    ]  # fmt: skip
    assert text.count("Study of alpha") == 1
    assert text.count("Not medical advice") == 1
    assert "http://testserver/articles/night/" in text and "http://testserver/nutrients/magnesium/" in text
    assert pages[-1].count(f"page {len(pages)} of {len(pages)}") == 1
    assert response["Content-Disposition"] == 'inline; filename="cramps-night-magnesium-handout.pdf"'
    assert page_size(reader) == LETTER


def test_combined_handout_takes_repeated_items_from_the_builder_form(client, refs):
    make_article(title="Night cramps", slug="night")
    make_nutrient(title="Magnesium", slug="magnesium")
    make_nutrient(title="Potassium", slug="potassium")

    response = client.get(
        "/handout.pdf?items=nutrient:magnesium&items=article:night,nutrient:potassium&items=article:night"
    )

    reader = read_pdf(response)
    text = "\n".join(page.extract_text() for page in reader.pages[1:])
    assert reader.metadata.title == "Handout: Magnesium; Night cramps; Potassium"
    assert text.index("Magnesium") < text.index("Night cramps") < text.index("Potassium")


def test_paper_size_follows_the_parameter_or_the_setting(client, settings, article):
    assert page_size(read_pdf(client.get("/articles/night-cramps/handout.pdf"))) == A4
    assert page_size(read_pdf(client.get("/articles/night-cramps/handout.pdf?paper=letter"))) == LETTER
    settings.CRAMPS_HANDOUT_PAPER = "letter"
    assert page_size(read_pdf(client.get("/articles/night-cramps/handout.pdf"))) == LETTER


def test_unknown_paper_size_is_a_clear_400(client, article):
    response = client.get("/articles/night-cramps/handout.pdf?paper=a3")

    assert response.status_code == 400
    assert "Unknown paper size “a3”: choose a4 or letter." in response.content.decode()


@pytest.mark.parametrize(
    ("items", "status", "message"),
    [
        ("article:night,recipe:soup", 400, "“recipe:soup” is not an item"),
        ("article:", 400, "“article:” is not an item"),
        ("night", 400, "“night” is not an item"),
        ("article:night,nutrient:nope", 404, "There is no published page “nutrient:nope”"),
        (
            ",".join(f"article:a{n}" for n in range(21)),
            400,
            "at most 20 topics (pages of this site); 21 were",
        ),
    ],
)
def test_bad_items_are_refused_naming_the_item(client, items, status, message):
    make_article(title="Night cramps", slug="night")

    response = client.get("/handout.pdf", {"items": items})

    assert response.status_code == status
    assert message in response.content.decode()


def test_no_items_leads_back_to_the_builder_which_says_so_and_keeps_the_paper(client):
    make_article(title="Night cramps", slug="night")

    response = client.get("/handout.pdf?paper=letter")
    builder = client.get(response["Location"]).content.decode()

    assert response.status_code == 302 and response["Location"] == "/handout/?nothing=1&paper=letter"
    assert "Nothing was ticked: tick at least one page below to make a handout." in builder
    assert '<input type="radio" name="paper" value="letter" checked>' in builder
    assert '<input type="radio" name="paper" value="a4">' in builder
    assert client.get("/handout.pdf?paper=a3")["Location"] == "/handout/?nothing=1"


def test_the_builder_counts_topics_not_pdf_pages_and_says_nothing_when_all_is_well(client):
    page = client.get("/handout/?paper=nonsense").content.decode()

    assert "Up to 20 topics (pages of this site) in one handout." in page
    assert "Nothing was ticked" not in page
    assert '<input type="radio" name="paper" value="a4" checked>' in page


@pytest.mark.parametrize("state", HIDDEN)
def test_hidden_pages_have_no_public_handout_but_staff_can_preview(staff_client, state):
    make_article(title="Visible", slug="visible")
    make_article(title="Hidden page", slug="hidden", **HIDDEN[state])
    make_nutrient(title="Hidden nutrient", slug="hidden-nutrient", **HIDDEN[state])
    anonymous = Client()

    assert anonymous.get("/articles/hidden/handout.pdf").status_code == 404
    assert anonymous.get("/nutrients/hidden-nutrient/handout.pdf").status_code == 404
    assert anonymous.get("/handout.pdf?items=article:visible,article:hidden").status_code == 404
    preview = staff_client.get("/articles/hidden/handout.pdf")
    assert "Preview for editors" in "\n".join(pdf_pages(preview))
    assert set(preview["Cache-Control"].split(", ")) == {"private", "no-store"}
    assert staff_client.get("/handout.pdf?items=article:visible,nutrient:hidden-nutrient").status_code == 200


def test_etag_and_last_modified_answer_conditional_requests(client, article):
    first = client.get("/articles/night-cramps/handout.pdf")
    etag, last_modified = first["ETag"], first["Last-Modified"]

    assert re.fullmatch(r'"[0-9a-f]{64}"', etag)
    assert "public" in first["Cache-Control"]
    url = "/articles/night-cramps/handout.pdf"
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    assert client.get(f"{url}?paper=letter")["ETag"] != etag
    head = client.head(url)
    assert head.status_code == 200 and head["ETag"] == etag and head["Content-Type"] == "application/pdf"


def test_stored_handout_is_served_without_rendering(client, settings, renders, article):
    first = client.get("/articles/night-cramps/handout.pdf")
    files = stored_files(settings)
    # Rendering is now impossible: only the store can answer.
    settings.CRAMPS_HANDOUT_TIMEOUT = 0.0001

    second = client.get("/articles/night-cramps/handout.pdf")

    assert second.status_code == 200
    assert second["ETag"] == first["ETag"]
    assert second.getvalue() == first.getvalue()
    assert len(renders) == 1 and stored_files(settings) == files == [f"{first['ETag'].strip(chr(34))}.pdf"]


def test_editing_the_content_makes_a_new_handout(client, renders, article):
    first = client.get("/articles/night-cramps/handout.pdf")

    article.body += "\n\nA new paragraph about calf stretches."
    article.save()
    document_refresh(document=article)
    second = client.get("/articles/night-cramps/handout.pdf")

    assert second["ETag"] != first["ETag"]
    assert "A new paragraph about calf stretches." in "\n".join(pdf_pages(second))
    KeyPoint.objects.filter(article=article).update(text_html="An edited key point.")
    third = client.get("/articles/night-cramps/handout.pdf")
    assert third["ETag"] != second["ETag"]
    assert "An edited key point." in "\n".join(pdf_pages(third))
    assert len(renders) == 3


def test_editing_a_cited_reference_makes_a_new_handout(client, refs, article):
    first = client.get("/articles/night-cramps/handout.pdf")

    refs["delta"].title = "A corrected title"
    refs["delta"].save()
    second = client.get("/articles/night-cramps/handout.pdf")

    assert second["ETag"] != first["ETag"]
    text = "\n".join(pdf_pages(second))
    assert "A corrected title" in text and "Study of delta" not in text


def test_a_failed_render_is_a_clear_503_leaves_nothing_and_the_next_request_works(client, settings, article):
    settings.CRAMPS_HANDOUT_TIMEOUT = 0.0001

    failed = client.get("/articles/night-cramps/handout.pdf")

    assert failed.status_code == 503
    assert failed["Retry-After"] == "30"
    page = failed.content.decode()
    assert "We could not make this PDF just now" in page and "longer than 0.0001 seconds" in page
    assert '<a href="/articles/night-cramps/">Back to “Leg cramps at night”</a>' in page
    assert stored_files(settings) == []
    settings.CRAMPS_HANDOUT_TIMEOUT = 60
    assert "Leg cramps at night" in pdf_pages(client.get("/articles/night-cramps/handout.pdf"))[0]


def test_a_render_over_the_memory_limit_fails_cleanly(client, settings):
    # Long enough that laying it out needs far more than 1 MB, even in a process whose
    # caches are warm from earlier renders.
    long_body = "\n\n".join(f"Paragraph {n}: " + "cramps and nerves " * 40 for n in range(1500))
    make_article(title="A very long page", slug="long-page", body=long_body)
    settings.CRAMPS_HANDOUT_MEMORY_MB = 1

    failed = client.get("/articles/long-page/handout.pdf")

    assert failed.status_code == 503
    assert "The PDF could not be made" in failed.content.decode()
    assert stored_files(settings) == []


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="threads share SQLite's in-memory test database, whose table locks never wait; "
    "test_handout_processes covers SQLite with processes on a database file",
)
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_for_a_missing_handout_render_it_once(settings, renders):
    make_reference(key="busyref")
    make_article(title="Busy page", slug="busy", body="Text [@busyref].")
    responses = []
    start = threading.Barrier(6)

    def fetch():
        start.wait()
        try:
            responses.append(Client().get("/articles/busy/handout.pdf"))
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # The request that claimed the render serves the PDF (the immediate task backend runs it
    # at once); the others were told it is being prepared.
    statuses = sorted(response.status_code for response in responses)
    assert statuses[0] == 200 and set(statuses) <= {200, 202}
    assert len(renders) == 1
    assert len(stored_files(settings)) == 1
    again = Client().get("/articles/busy/handout.pdf")
    assert again.status_code == 200 and len(renders) == 1


def test_a_render_claimed_by_another_process_is_waited_for_not_repeated(client, settings, renders):
    """Another worker holds the render; readers are asked to wait, then get its result."""
    article = make_article(title="Shared page", slug="shared")
    key = keys.handout_key(parts=[article], paper="a4", site_url="http://testserver/")
    Handout.objects.create(key=key, parts=Handout.parts_spec([article]), paper="a4",
                           site_url="http://testserver/", state=HandoutState.RENDERING,
                           started_at=timezone.now())  # fmt: skip

    waiting = client.get("/articles/shared/handout.pdf")

    assert waiting.status_code == 202
    assert waiting["Cache-Control"] == "no-store" and waiting["Retry-After"] == "3"
    page = waiting.content.decode()
    assert "Your PDF is being prepared" in page
    assert '<meta http-equiv="refresh" content="3">' in page
    assert '<a href="/articles/shared/handout.pdf">Check now</a>' in page
    # The other worker finishes.
    pdf = document.handout_render(parts=[article], paper="a4", site_url="http://testserver/")
    store.pdf_save(key=key, pdf=pdf)
    Handout.objects.filter(key=key).update(
        state=HandoutState.READY, size=len(pdf), rendered_at=timezone.now()
    )

    ready = client.get("/articles/shared/handout.pdf")

    assert ready.status_code == 200 and ready.getvalue() == pdf
    assert renders == []


def test_render_handouts_prerenders_every_published_handout(settings, renders, article):
    settings.CRAMPS_SITE_URL = "http://testserver"
    make_nutrient(title="Magnesium", slug="magnesium")
    make_article(title="Draft", slug="draft", status=Status.DRAFT)
    output = io.StringIO()

    call_command("render_handouts", "--paper", "all", stdout=output)

    lines = output.getvalue().splitlines()
    assert lines[0] == "[#####...............] 1/4 article night-cramps (a4): rendered"
    assert lines[3] == "[####################] 4/4 nutrient magnesium (letter): rendered"
    assert "4 rendered, 0 already stored, 0 failed, of 4." in lines[-1]
    assert len(stored_files(settings)) == 4 and len(renders) == 4

    output = io.StringIO()
    call_command("render_handouts", stdout=output)
    assert "0 rendered, 2 already stored, 0 failed" in output.getvalue()

    output = io.StringIO()
    call_command("render_handouts", "--force", stdout=output)
    assert "2 rendered, 0 already stored, 0 failed" in output.getvalue()
    assert len(renders) == 6


def test_render_handouts_prunes_old_versions_but_keeps_current_and_recent_ones(
    staff_client, settings, article
):
    settings.CRAMPS_SITE_URL = "http://testserver"
    call_command("render_handouts", stdout=io.StringIO())
    (old_version,) = stored_files(settings)
    make_nutrient(title="Magnesium", slug="magnesium", status=Status.DRAFT)
    staff_client.get("/handout.pdf?items=article:night-cramps,nutrient:magnesium")  # a combined one
    recent = set(stored_files(settings)) - {old_version}
    article.title = "Leg cramps at night, revised"
    article.save()
    call_command("render_handouts", stdout=io.StringIO())
    new_current = set(stored_files(settings)) - recent - {old_version}
    # Nobody has used any of them for 40 days, but the combined one was asked for yesterday.
    Handout.objects.update(last_used=timezone.now() - timedelta(days=40))
    Handout.objects.filter(key__in=[name.removesuffix(".pdf") for name in recent]).update(
        last_used=timezone.now() - timedelta(days=1)
    )
    output = io.StringIO()

    call_command("render_handouts", "--prune", "30", stdout=output)

    assert "Pruned 1 stored handout unused for 30 days." in output.getvalue()
    assert len(recent) == len(new_current) == 1
    assert set(stored_files(settings)) == recent | new_current
    assert Handout.objects.count() == 2


def test_render_handouts_needs_the_site_address(settings, article):
    settings.CRAMPS_SITE_URL = ""

    with pytest.raises(CommandError, match="Set CRAMPS_SITE_URL or pass --site-url"):
        call_command("render_handouts", stdout=io.StringIO())

    call_command("render_handouts", "--site-url", "https://cramps.example.org", stdout=io.StringIO())
    assert Handout.objects.get().site_url == "https://cramps.example.org/"


def test_prerendered_handouts_are_the_ones_readers_get(client, settings, renders, article):
    settings.CRAMPS_SITE_URL = "http://testserver"
    call_command("render_handouts", stdout=io.StringIO())

    client.get("/articles/night-cramps/handout.pdf")

    assert len(renders) == 1


def test_render_handouts_fails_loudly(settings, article):
    settings.CRAMPS_SITE_URL = "http://testserver"
    settings.CRAMPS_HANDOUT_TIMEOUT = 0.0001
    errors = io.StringIO()

    with pytest.raises(CommandError, match="0 rendered, 0 already stored, 1 failed"):
        call_command("render_handouts", stdout=io.StringIO(), stderr=errors)

    assert "article night-cramps (a4): The PDF took longer" in errors.getvalue()
    assert stored_files(settings) == [] and not Handout.objects.exists()


def test_every_page_links_to_its_handout_and_the_builder(client, article):
    nutrient = make_nutrient(title="Magnesium", slug="magnesium")

    article_page = client.get(article.get_absolute_url()).content.decode()
    nutrient_page = client.get(nutrient.get_absolute_url()).content.decode()

    link = '<a href="{}" type="application/pdf">Download PDF for your doctor</a>'
    assert link.format("/articles/night-cramps/handout.pdf") in article_page
    assert link.format("/nutrients/magnesium/handout.pdf") in nutrient_page
    assert 'href="/handout/?items=nutrient:magnesium"' in nutrient_page
    assert '<a href="/handout/">Handout builder</a>' in article_page


def test_builder_lists_published_pages_as_checkboxes(client):
    make_article(title="Night cramps", slug="night")
    make_nutrient(title="Magnesium", slug="magnesium")
    make_article(title="Secret draft", slug="secret", status=Status.DRAFT)

    page = client.get("/handout/?items=nutrient:magnesium").content.decode()

    assert '<form class="builder" method="get" action="/handout.pdf">' in page
    assert '<input type="checkbox" name="items" value="article:night"> Night cramps' in page
    assert '<input type="checkbox" name="items" value="nutrient:magnesium" checked> Magnesium' in page
    assert "Secret draft" not in page


def test_a_combined_handout_opens_with_a_one_page_summary(client, refs):
    make_article(
        title="Night cramps", slug="night", key_points=["Stretching may help [@beta]."], body="Text."
    )
    make_nutrient(title="Magnesium", slug="magnesium", summary="A mineral [@alpha].", evidence_grade="limited",
                  body="## What it is\n\nBody text of magnesium.")  # fmt: skip

    pages = pdf_pages(client.get("/handout.pdf?items=article:night,nutrient:magnesium"))

    summary = " ".join(pages[0].split())
    for text in ["Summary for your appointment", "Patient’s name", "Date of birth", "Visit date",
                 "My medicines and supplements", "Not medical advice",
                 "Night cramps", "Stretching may help [1]", "Not graded",
                 "Magnesium", "A mineral [2]", "Limited: small or few studies"]:  # fmt: skip
        assert text in summary
    assert "Body text of magnesium" not in summary
    assert pages[1].lstrip().startswith("Contents") or "\nContents\n" in pages[1]


def text_positions(reader: PdfReader, page_number: int) -> list[tuple[str, float]]:
    """(text, distance from the top of the page as a fraction of its height) of a page's text runs."""
    page = reader.pages[page_number]
    height = float(page.mediabox.height)
    runs = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # the text matrix in page space (PDF: from the bottom)
            runs.append((text.strip(), 1 - y / height))

    page.extract_text(visitor_text=visit)
    return runs


def test_parts_flow_on_and_never_begin_in_the_bottom_third_of_a_page(client, refs):
    paragraph = "Cramps are sudden, painful tightenings of a muscle that ease within minutes. " * 10
    lengths = [3, 1, 4, 2, 5, 1, 3, 2]
    for n, length in enumerate(lengths):
        body = "\n\n".join(f"## Section {n}.{i}\n\n{paragraph}" for i in range(length))
        make_article(title=f"Topic {n}", slug=f"t{n}", body=body)
    items = ",".join(f"article:t{n}" for n in range(len(lengths)))

    reader = read_pdf(client.get(f"/handout.pdf?items={items}"))

    # Each title's last showing below the running head is its part's heading (the contents come first).
    starts = {}
    for number in range(1, len(reader.pages)):
        for text, depth in text_positions(reader, number):
            if text.startswith("Topic ") and depth > 0.08:
                starts[text] = (number, depth)
    assert sorted(starts) == [f"Topic {n}" for n in range(len(lengths))]
    assert [title for title, (_, depth) in starts.items() if depth > 2 / 3] == []
    # The parts flow: most begin part-way down a page, after the one before, not on a page of their own.
    assert sum(depth > 0.2 for _, depth in starts.values()) >= len(lengths) // 2
    assert len({number for number, _ in starts.values()}) < len(lengths)


def test_the_summary_of_twenty_topics_still_fits_its_first_page(client, refs):
    point = "Stretching the calf before bed may shorten night cramps for some older adults in small trials [@beta]."
    for n in range(20):
        make_article(title=f"A long topic title number {n} about cramps at night", slug=f"t{n}",
                     key_points=[point, point], body="## One\n\nText.")  # fmt: skip
    items = ",".join(f"article:t{n}" for n in range(20))

    pages = pdf_pages(client.get(f"/handout.pdf?items={items}&paper=letter"))

    first = " ".join(pages[0].split())
    assert all(f"A long topic title number {n} about cramps at night" in first for n in range(20))
    assert "My medicines and supplements" in first and "Questions for my doctor" in first
    assert "Not medical advice" in pages[1] and "Contents" in pages[1]
