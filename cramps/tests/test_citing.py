"""Citation keys in the text become numbered, linked citations and a formatted reference list."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cramps.models import Article, Status
from references.models import Reference

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db


def sup_texts(page: str) -> list[str]:
    """The visible text of every citation superscript, e.g. ['1–3,5', '2, p. 750']."""
    return [
        re.sub(r"<[^>]+>", "", match) for match in re.findall(r'<sup class="citation[^"]*">(.*?)</sup>', page)
    ]


@pytest.fixture
def refs():
    return {key: make_reference(key=key, title=f"Title of {key}", pmid=str(1000 + n), doi=f"10.1000/{key}")
            for n, key in enumerate(["alpha", "beta", "gamma", "delta", "eps"])}  # fmt: skip


def test_numbers_follow_first_appearance_across_the_whole_article(client, refs):
    article = make_article(
        summary="Summary cites [@gamma].",
        key_points=["Point cites [@alpha]."],
        body="Body [@alpha; @beta; @gamma; @eps] and [@delta, p. 750] and again [@beta].",
        faqs=[("Q?", "Answer [@delta; @gamma].")],
    )

    page = client.get(article.get_absolute_url()).content.decode()

    # gamma=1 (summary), alpha=2 (key point), beta=3, eps=4, delta=5 (body).
    assert sup_texts(page) == ["[1]", "[2]", "[1–4]", "[5, p. 750]", "[3]", "[1,5]"]
    entries = re.findall(r'<li id="ref-(\d+)" value="\d+">\s*<span class="csl-entry">(.*?)</span>', page)
    assert [(number, re.search(r"Title of (\w+)", html)[1]) for number, html in entries] == [
        ("1", "gamma"), ("2", "alpha"), ("3", "beta"), ("4", "eps"), ("5", "delta")]  # fmt: skip


def test_citation_links_go_to_the_list_and_back_to_each_occurrence(client, refs):
    article = make_article(body="One [@alpha]. Two [@alpha; @beta].")
    alpha = refs["alpha"]

    page = client.get(article.get_absolute_url()).content.decode()

    assert re.findall(r'id="(cite-[\d-]+)"', page) == ["cite-1", "cite-1-2", "cite-2"]
    assert (
        f'<a class="cite-ref" href="#ref-1" id="cite-1" aria-label="Reference 1: {alpha.short_label}">1</a>'
        in page
    )
    assert 'href="#cite-2" class="backlink"' in page
    assert (
        '<a href="https://pubmed.ncbi.nlm.nih.gov/1000/" class="ref-link" aria-label="PubMed: PMID 1000">'
        in page
    )
    assert 'href="https://doi.org/10.1000/alpha"' in page
    assert 'href="/references/alpha/" class="ref-link ref-page"' in page


def test_nutrient_numbering_covers_evidence_body_and_tables(client, refs):
    nutrient = make_nutrient(
        evidence_rationale="Trials [@beta].",
        body="Body [@alpha].",
        foods=[("Almonds", "80 mg", "Source [@gamma].")],
        interactions=[("Diuretics", "Losses [@beta; @delta].")],
    )

    page = client.get(nutrient.get_absolute_url()).content.decode()

    assert sup_texts(page) == ["[1]", "[2]", "[3]", "[1,4]"]


def test_formatted_entry_follows_an_edited_reference(client, refs):
    article = make_article(body="Body [@alpha].")
    assert "Title of alpha" in client.get(article.get_absolute_url()).content.decode()

    reference = refs["alpha"]
    reference.title = "A corrected title"
    reference.save()

    page = client.get(article.get_absolute_url()).content.decode()
    assert "A corrected title" in page and "Title of alpha" not in page


def test_reference_page_lists_published_documents_citing_it(client, refs):
    make_article(title="Public article", body="[@alpha]")
    make_nutrient(title="Public nutrient", body="[@alpha]")
    make_article(title="Draft article", body="[@alpha]", status=Status.DRAFT)

    page = client.get("/references/alpha/").content.decode()

    assert "Title of alpha" in page and "PMID 1000" in page and "10.1000/alpha" in page
    assert "Public article" in page and "Public nutrient" in page
    assert "Draft article" not in page
    assert client.get("/references/nonexistent/").status_code == 404


def listed_keys(page: str) -> set[str]:
    return set(re.findall(r'href="/references/([\w-]+)/" class="ref-link ref-page"', page))


@pytest.mark.parametrize(
    ("query", "expected"),
    [("Zedauthor", {"gamma"}), ("delta", {"delta"}), ("Title of", None), ("1003", {"delta"}),
     ("PMID: 1001", {"beta"}), ("https://doi.org/10.1000/EPS", {"eps"}), ("doi:10.1000/alpha", {"alpha"})],
)  # fmt: skip
def test_reference_list_is_searchable(client, refs, query, expected):
    Reference.objects.filter(key="gamma").update(authors_text="Zed Zedauthor")

    page = client.get("/references/", {"q": query}).content.decode()

    assert listed_keys(page) == (expected or set(refs))


def test_reference_list_searches_by_year(client):
    make_reference(key="old", issued_year=1987)
    make_reference(key="new", issued_year=2020)

    page = client.get("/references/", {"q": "1987"}).content.decode()

    assert listed_keys(page) == {"old"}


def test_deleting_a_cited_reference_is_refused_naming_the_citing_pages(admin_client, refs):
    make_article(title="Night cramps", body="[@alpha]")

    response = admin_client.post("/admin/references/reference/", {
        "action": "delete_selected", "_selected_action": [refs["alpha"].pk, refs["beta"].pk], "post": "yes"})  # fmt: skip
    page = response.content.decode()

    assert "Cannot delete references" in page
    assert "Article “Night cramps” cites it as [1]" in page
    assert Reference.objects.filter(key="alpha").exists()

    response = admin_client.post(f"/admin/references/reference/{refs['beta'].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Reference.objects.filter(key="beta").exists()


def test_renaming_a_cited_key_is_refused(admin_client, refs):
    make_article(title="Night cramps", body="[@alpha]")
    reference = refs["alpha"]
    data = {
        "key": "alpha2",
        "type": reference.type,
        "title": reference.title,
        "authors": "A, B",
        "editors": "",
    }

    response = admin_client.post(f"/admin/references/reference/{reference.pk}/change/", data)

    assert response.status_code == 200
    assert "This key is cited by: Night cramps" in response.content.decode()
    assert Reference.objects.filter(key="alpha").exists()


def test_publish_action_refuses_pages_with_broken_citations(admin_client, refs):
    good = make_article(title="Good", status=Status.DRAFT, body="[@alpha]")
    bad = make_article(title="Bad", status=Status.DRAFT, body="[@alpha]")
    Article.objects.filter(pk=bad.pk).update(body="Refers to [@vanished2001].")

    response = admin_client.post("/admin/cramps/article/", {"action": "publish", "_selected_action": [good.pk, bad.pk]},
                                 follow=True)  # fmt: skip

    page = response.content.decode()
    assert "Not published “Bad”: broken citations (body: unknown key @vanished2001)" in page
    assert Article.objects.get(pk=good.pk).status == Status.PUBLISHED
    assert Article.objects.get(pk=bad.pk).status == Status.DRAFT


def run_check() -> tuple[str, str | None]:
    from io import StringIO

    out = StringIO()
    try:
        call_command("check_citations", stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


def test_check_citations_passes_on_sound_content(refs):
    make_article(body=" ".join(f"[@{key}]" for key in refs))

    output, error = run_check()

    assert error is None
    assert "All citations are sound (5 references checked)" in output


def test_check_citations_reports_every_kind_of_problem(refs):
    article = make_article(body="[@alpha] [@beta] [@gamma]")
    Article.objects.filter(pk=article.pk).update(body="[@alpha] [@beta] [@gamma] [@missing1999]")
    Reference.objects.filter(key="beta").update(pmid="12ab")
    Reference.objects.filter(key="gamma").update(doi="nonsense")
    make_reference(key="alphacopy", title="Title of alpha!", authors=refs["alpha"].authors,
                   issued_year=refs["alpha"].issued_year)  # fmt: skip

    output, error = run_check()

    assert error is not None and "problems found" in error
    assert f"Article “{article.title}” (body): unknown key @missing1999" in output
    assert "@delta: Title of delta" in output and "@eps: Title of eps" in output  # cited nowhere
    assert "@alpha: same title, first author and year as @alphacopy" in output, output
    assert "@beta: malformed PMID “12ab”" in output
    assert "@gamma: malformed DOI “nonsense”" in output


def test_a_thousand_word_search_is_an_answer_not_an_error(client, refs):
    query = " ".join(["Title"] * 1000)

    response = client.get("/references/", {"q": query})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Only the first 8 words were searched for" in page
    assert listed_keys(page) == set(refs)


def test_the_handout_shows_citations_as_the_page_does(client, refs):
    from cramps.handouts.document import handout_html

    article = make_article(
        summary="See [@gamma].",
        body="Prefixes [see @alpha, pp. 33-35; also @beta, chap. 1] and adjacent [@delta][@alpha].",
    )

    page = client.get(article.get_absolute_url()).content.decode()
    handout = handout_html(parts=[article], paper="a4", site_url="https://example.org/")

    expected = ["[1]", "[see 2, pp. 33\u201335; also 3, chap. 1]", "[4]", "[2]"]
    assert sup_texts(page) == expected
    assert sup_texts(handout) == expected
    assert "@" not in re.sub(r"<[^>]+>", "", handout.split("<body", 1)[1]).replace("@page", "")
    listed = re.findall(r'<li id="ref-(\d+)" value="\d+">', handout)
    assert listed == ["1", "2", "3", "4"]


def test_each_identifier_is_printed_once_on_the_page(client):
    make_reference(key="hallegraeff2012", title="Stretching before sleep", pmid="22341378",
                   doi="10.1016/s1836-9553(12)70068-7", pmcid="PMC3290002")  # fmt: skip
    article = make_article(body="Stretching helps [@hallegraeff2012].")

    page = client.get(article.get_absolute_url()).content.decode()

    # What a reader sees: the JSON-LD data block for search engines names the source again.
    visible = re.sub(r'<script type="application/ld\+json">.*?</script>', "", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", visible)
    assert text.count("22341378") == 1 and "PubMed PMID" not in text
    assert text.count("PMC3290002") == 1 and text.count("10.1016/s1836-9553(12)70068-7") == 1
