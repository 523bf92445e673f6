"""Reference-list entries as readers see them: the style's text, identifiers printed once as links."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from references.bibliography import entry_item, formatted_entries
from references.csl import format_bibliography
from references.models import Reference

from . import pandoc

STYLES = ["nlm-citation-sequence", "elsevier-vancouver", "american-medical-association"]
FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "0001_references.json"


def demo_references() -> list[Reference]:
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return [
        Reference(pk=row["pk"], **row["fields"]) for row in rows if row["model"] == "references.reference"
    ]


def numbers_after_title(entry: str, title: str) -> list[str]:
    """Year, volume, issue, pages, edition…: every token with a digit after the title."""
    start = entry.casefold().find(title[:30].casefold())
    assert start >= 0, (title, entry)
    return [token.rstrip(".") for token in entry[start + len(title) :].split() if re.search(r"\d", token)]


@pytest.mark.parametrize("style", STYLES)
def test_every_demo_reference_prints_year_volume_issue_and_pages_as_pandoc_does(style):
    references = demo_references()
    items = [entry_item(reference) for reference in references]

    ours = format_bibliography(items, style)
    theirs = pandoc.bibliography(items, style=style)

    assert len(ours) == len(theirs) == 51
    for reference in references:
        ours_text = pandoc.plain_text(ours[reference.key])
        assert numbers_after_title(ours_text, reference.title) == numbers_after_title(
            theirs[reference.key], reference.title
        ), reference.key


@pytest.mark.django_db
def test_each_identifier_is_printed_once_as_our_link():
    reference = Reference.objects.create(
        key="hallegraeff2012", title="Stretching before sleep", container_title="J Physiother", issued_year=2012,
        volume="58", issue="1", pages="17-22", pmid="22341378", pmcid="PMC1234567", doi="10.1016/s1836-9553(12)70068-7",
        url="https://example.org/stretching", authors=[{"family": "Hallegraeff", "given": "JM"}],
    )  # fmt: skip

    entry = formatted_entries([reference])[reference.pk]

    assert entry == "Hallegraeff JM. Stretching before sleep. J Physiother. 2012;58(1):17\u201322."
    assert [(link.label, link.text, link.url) for link in reference.identifier_links] == [
        ("PubMed", "PMID 22341378", "https://pubmed.ncbi.nlm.nih.gov/22341378/"),
        ("PubMed Central", "PMC1234567", "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567/"),
        ("DOI", "doi:10.1016/s1836-9553(12)70068-7", "https://doi.org/10.1016/s1836-9553(12)70068-7"),
    ]
    assert reference.source_url == "https://pubmed.ncbi.nlm.nih.gov/22341378/"


@pytest.mark.django_db
def test_a_source_with_only_a_web_address_links_it_in_its_entry():
    reference = Reference.objects.create(
        key="ods", type="webpage", title="Magnesium fact sheet", container_title="NIH",
        url="https://ods.od.nih.gov/factsheets/Magnesium/?a=1&b=2", issued_year=2022,
        authors=[{"literal": "Office of Dietary Supplements"}],
    )  # fmt: skip

    entry = formatted_entries([reference])[reference.pk]

    assert entry.count("ods.od.nih.gov") == 2  # the link's address and its text
    assert (
        '<a href="https://ods.od.nih.gov/factsheets/Magnesium/?a=1&amp;b=2" rel="noopener nofollow">'
        "https://ods.od.nih.gov/factsheets/Magnesium/?a=1&amp;b=2</a>" in entry
    )
    assert reference.identifier_links == [] and reference.source_url == reference.url


@pytest.mark.django_db
def test_a_source_with_nothing_to_open_offers_a_pubmed_search():
    reference = Reference.objects.create(
        key="book", type="book", title="Modern nutrition & health", url="javascript:x"
    )

    assert reference.source_url == ""
    assert reference.search_url == (
        "https://pubmed.ncbi.nlm.nih.gov/?term=Modern+nutrition+%26+health+%5BTitle%5D"
    )
