"""``references.record``: the record every reader builds, and the one name converter."""

import datetime

import pytest

from references.models import ReferenceType
from references.record import (
    CSL_TYPES,
    RECORD_FIELDS,
    build_record,
    empty_record,
    name_from_text,
    name_to_text,
    names_from_cell,
    names_from_lines,
    names_to_cell,
    names_to_lines,
)


def test_empty_record_has_every_field_empty():
    record = empty_record()

    assert tuple(record) == RECORD_FIELDS
    assert record["authors"] == [] and record["editors"] == []
    assert record["issued_year"] is None and record["accessed"] is None
    assert record["title"] == ""
    assert record.problems == []


def test_build_record_tidies_text_and_identifiers():
    record = build_record(
        type="article-journal",
        key="doi:10.1080/x",
        title="  Magnesium\n  and   <i>cramps</i> ",
        authors=[{"family": " Rude ", "given": ""}, {"literal": "World  Health Organization"}, {"given": ""}],
        pages="749 -- 758",
        doi="https://doi.org/10.1080/07315724.1998.10718813",
        pmid="PMID: 9850106",
        pmcid="1234",
        abstract="<jats:p>First &amp; second</jats:p><jats:p>Third</jats:p>",
        note="line one  \n\n  line two",
    )

    assert record["key"] == "doi-10-1080-x"
    assert record["title"] == "Magnesium and cramps"
    assert record["authors"] == [{"family": "Rude"}, {"literal": "World Health Organization"}]
    assert record["pages"] == "749-758"
    assert record["doi"] == "10.1080/07315724.1998.10718813"
    assert record["pmid"] == "9850106"
    assert record["pmcid"] == "PMC1234"
    assert record["abstract"] == "First & second Third"
    assert record["note"] == "line one\nline two"
    assert [problem.field for problem in record.problems] == ["key"]  # the key was changed to fit


def test_build_record_keeps_abstract_paragraphs():
    record = build_record(type="article-journal", abstract="BACKGROUND: one\n two.\n\n  RESULTS: three.")

    assert record["abstract"] == "BACKGROUND: one two.\n\nRESULTS: three."


@pytest.mark.parametrize(
    ("field", "value", "stored", "why"),
    [
        ("issued_year", "in press", None, "is not a year; left out."),
        ("issued_year", "2014//", 2014, None),
        ("issued_year", 99999, None, "is not a year; left out."),
        ("doi", "not-a-doi", "", "is not a DOI (10.1234/abc); left out."),
        ("doi", "http://doi.acm.org/10.1145/967900.967926", "10.1145/967900.967926", None),
        ("doi", "10.1000/../../admin", "", "is not a DOI (10.1234/abc); left out."),
        ("pmid", "12a", "", "is not a PMID (digits only); left out."),
        ("pmid", "23690738[pmid]", "23690738", None),
        ("pmcid", "PMC4756000[pmcid]", "PMC4756000", None),
        ("url", "<Go to ISI>://WOS:000298449100001", "", "is not a web address; left out."),
        ("url", "//www.sciencedirect.com/science/x", "https://www.sciencedirect.com/science/x", None),
        ("url", "www.example.org/a", "https://www.example.org/a", None),
        ("accessed", "2019/03/12/", datetime.date(2019, 3, 12), None),
        ("accessed", "01/02/2020", None, "is not a date written year first (2019-03-12); left out."),
        ("isbn", "0769504469; 9780769504469", "0769504469", None),
    ],
)
def test_build_record_reads_what_it_can_and_keeps_a_problem_for_the_rest(field, value, stored, why):
    record = build_record(type="article-journal", title="T", **{field: value})

    assert record[field] == stored
    assert [(problem.field, problem.why) for problem in record.problems] == ([(field, why)] if why else [])


def test_build_record_refuses_a_type_cramps_does_not_store():
    with pytest.raises(ValueError, match="broadcast"):
        build_record(type="broadcast")


def test_reference_type_is_built_from_the_csl_types():
    assert ReferenceType.choices == list(CSL_TYPES.items())
    assert ReferenceType.ARTICLE_JOURNAL == "article-journal"
    assert ReferenceType.DOCUMENT.label == "Other document"


def test_placeholder_names_are_dropped():
    record = build_record(type="article-journal", authors=[{"literal": "[No author name available]"}])

    assert record["authors"] == []


# Names: one converter, one suffix rule


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Rude, Robert K", {"family": "Rude", "given": "Robert K"}),
        ("  Rude ,  RK ", {"family": "Rude", "given": "RK"}),
        ("Plato,", {"family": "Plato"}),
        ("World Health Organization", {"literal": "World Health Organization"}),
        ("{Institute of Medicine, Food and Nutrition Board}",
         {"literal": "Institute of Medicine, Food and Nutrition Board"}),
        ("Smith, Amos B, III", {"family": "Smith", "given": "Amos B", "suffix": "III"}),
        ("Smith, Amos B., Jr.", {"family": "Smith", "given": "Amos B.", "suffix": "Jr."}),
        ("Smith, Jr, Amos B", {"family": "Smith", "given": "Amos B", "suffix": "Jr"}),  # BibTeX's order
        ("Smith, Amos B 3rd", {"family": "Smith", "given": "Amos B", "suffix": "3rd"}),  # MEDLINE's FAU
        ("Smith, John V", {"family": "Smith", "given": "John V"}),  # V is an initial here
        ("Liu R.", {"family": "Liu", "given": "R."}),
        ("P. Kogge", {"family": "Kogge", "given": "P."}),
        ("Council UK", {"literal": "Council UK"}),
    ],
)  # fmt: skip
def test_name_from_text(text, name):
    assert name_from_text(text) == name


@pytest.mark.parametrize(
    "name",
    [
        {"family": "Rude", "given": "RK"},
        {"family": "Plato"},
        {"family": "Smith", "given": "Amos B.", "suffix": "III"},
        {"family": "Smith", "suffix": "Jr."},
        {"literal": "American Diabetes Association"},
        {"literal": "U.S. Department of Agriculture, Agricultural Research Service"},
        {"literal": "Institute of Medicine; Board"},
    ],
)
def test_names_survive_a_round_trip_through_text(name):
    assert name_from_text(name_to_text(name)) == name
    assert names_from_lines(names_to_lines([name, name])) == [name, name]
    assert names_from_cell(names_to_cell([name, name])) == [name, name]


def test_name_text_forms():
    assert name_to_text({"family": "Smith", "given": "Amos B", "suffix": "III"}) == "Smith, Amos B, III"
    assert names_to_cell([{"family": "Rude", "given": "RK"}, {"literal": "WHO"}]) == "Rude, RK; WHO"
