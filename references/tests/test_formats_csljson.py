import datetime
import json

import pytest

from references.formats import ParseError, csljson
from references.tests import factories


def read(samples, name: str) -> list[dict]:
    return csljson.parse((samples / "csljson" / name).read_bytes())


def test_reference_manager_export(samples):
    records = read(samples, "commonmeta-csl-list.json")

    assert len(records) == 17
    first = records[0]
    assert first["key"] == "tenopirChangesDataSharing2015"
    assert first["type"] == "article-journal"
    assert first["title"].startswith("Changes in Data Sharing and Data Reuse Practices")
    assert first["authors"][0] == {"family": "Tenopir", "given": "Carol"}
    assert len(first["authors"]) == 8
    assert (first["container_title"], first["container_title_short"]) == (
        "PLOS ONE",
        "PLOS ONE",
    )  # journalAbbreviation
    assert (first["issued_year"], first["volume"], first["issue"], first["pages"]) == (
        2015,
        "10",
        "8",
        "e0134826",
    )
    assert first["doi"] == "10.1371/journal.pone.0134826"
    assert first["accessed"] == datetime.date(2016, 12, 23)  # date-parts with the year as a string


def test_book_without_doi(samples):
    book = next(record for record in read(samples, "commonmeta-csl-list.json") if record["type"] == "book")

    assert book["key"] == "patriasCitingMedicine2007"
    assert book["title"] == "Citing Medicine"
    assert (book["edition"], book["publisher"], book["issued_year"]) == (
        "2nd",
        "National Library of Medicine (US)",
        2007,
    )
    assert book["doi"] == ""


def test_mojibake_latex_escapes_and_pmid_in_note(samples):
    records = {record["key"]: record for record in read(samples, "commonmeta-csl-list.json")}

    assert (
        records["schoenemannMinisculeSystemSailing2016"]["title"] == "A Miniscule System of a ‘Sailing Rock’"
    )
    assert records["asoreyExposiciTempranaNativos2015"]["title"] == (
        "Exposición Temprana de Nativos Digitales en Ambientes, Metodologías y Técnicas de Investigación "
        "en la Universidad"
    )
    assert records["ramboModelingMacromolecularMotions2015"]["pmid"] == "25992719"
    assert records["jonesRacetrackPlayaRocks2015"]["volume"] == "19, Part A"


def test_manubot_items_with_pubmed_ids_and_jats_abstract(samples):
    article, page = read(samples, "manubot-bibliography.json")

    assert article["key"] == "doi-10-7554-elife-32822"
    assert (article["doi"], article["pmid"], article["pmcid"]) == (
        "10.7554/elife.32822",
        "29424689",
        "PMC5832410",
    )
    assert article["abstract"].startswith("The website Sci-Hub enables users to download PDF versions")
    assert "<jats:p>" not in article["abstract"]
    assert article["publisher"] == "eLife Sciences Publications, Ltd"
    assert page["type"] == "webpage"
    assert (page["key"], page["authors"]) == ("", [])
    assert page["accessed"] == datetime.date(2019, 3, 12)


def test_literal_names_and_note(samples):
    report, article, review = read(samples, "manubot-input-bibliography.json")

    assert report["type"] == "report"
    assert report["authors"][:2] == [{"literal": "Trang T. Le"}, {"literal": "Zach Osman"}]
    # A CSL note is the file owner's (Manubot's, here): searched for a PMID, not imported.
    assert report["note"] == ""
    assert (article["key"], article["pages"], article["pmid"]) == ("5thZNGfr", "e338", "24765572")
    assert (review["container_title_short"], review["issue"], review["issued_year"]) == (
        "J R Soc Interface",
        "141",
        2018,
    )


def test_item_built_from_pubmed(samples):
    [record] = read(samples, "manubot-pubmed-scihub-study.json")

    assert record["container_title_short"] == "Elife"
    assert (record["pmid"], record["pmcid"]) == ("29424689", "PMC5832410")
    assert "ext-link" not in record["abstract"]


def test_crossref_flavoured_item_with_extra_keys(samples):
    [record] = read(samples, "manubot-crossref-winter-scabs.json")

    assert record["title"].startswith("Formation of the Scab and the Rate of Epithelization")
    assert record["authors"] == [{"family": "WINTER", "given": "GEORGE D."}]
    assert (record["container_title"], record["issued_year"]) == ("Nature", 1962)
    assert (record["volume"], record["issue"], record["pages"]) == ("193", "4812", "293-294")
    assert (record["doi"], record["pmid"]) == ("10.1038/193293a0", "")


def test_single_object_lists_and_name_particles():
    item = {
        "id": 7,
        "type": "post-weblog",
        "title": ["Cramps at night", "ignored"],
        "container-title": ["Cramp Blog"],
        "author": [
            {"family": "Beethoven", "given": "Ludwig", "non-dropping-particle": "van", "suffix": "Jr."}
        ],
        "issued": {"raw": "Spring 2015"},
        "page": 12,
    }

    [record] = csljson.parse(json.dumps(item))

    assert (record["key"], record["type"], record["title"]) == ("7", "webpage", "Cramps at night")
    assert record["container_title"] == "Cramp Blog"
    assert record["authors"] == [{"family": "van Beethoven", "given": "Ludwig", "suffix": "Jr."}]
    assert (record["issued_year"], record["pages"]) == (2015, "12")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"title": "A"},', "invalid JSON at line 1, column 17"),
        (
            '{"type": "book", "author": []}',
            "no item has a title, so this does not look like CSL-JSON (the first item: type, author)",
        ),
        ('"just a string"', "should hold a list of items"),
        ("[]", "the list of items is empty"),
        (
            '[["title", "A"]]',
            "no item has a title, so this does not look like CSL-JSON (the first item: list)",
        ),
        ("[" * 30 + "]" * 30, "nested more than 20 levels deep"),
        (
            '{"status": "ok", "message-type": "work", "message": {}}',
            "This is a Crossref API answer, not CSL-JSON",
        ),
        ("", "The file is empty"),
    ],
)
def test_malformed_files(text, message):
    with pytest.raises(ParseError) as error:
        csljson.parse(text)

    assert message in str(error.value)


def make_record(**overrides) -> dict:
    return factories.make_record(
        **{"editors": [{"family": "Shils"}], "title": "Magnesium deficiency", **overrides}
    )


def test_round_trip():
    records = [make_record(), make_record(type="dataset", key="data-1", title="Данные", authors=[])]

    assert csljson.parse(csljson.dump(records)) == [record | {"note": ""} for record in records]


def test_dump_is_a_pretty_list_of_csl_items():
    [item] = json.loads(csljson.dump([make_record(key="", url="", issue="")]))

    assert item["id"] == "rude1998"
    assert item["issued"] == {"date-parts": [[1998]]}
    assert item["accessed"] == {"date-parts": [[2024, 5, 1]]}
    assert item["page"] == "749-58"
    assert "URL" not in item and "issue" not in item


def test_an_odd_item_or_field_is_a_warning_not_a_refusal():
    text = json.dumps([
        {"id": "a", "title": "Fine", "author": "Rude"},
        ["title", "B"],
        {"id": "c", "title": "A court ruling", "type": "legal-case", "container-title": "Law Reports"},
        {"id": "d"},
    ])  # fmt: skip

    parsed = csljson.parse(text)

    assert [record["title"] for record in parsed] == ["Fine", "", "A court ruling", ""]
    assert parsed[0]["authors"] == []
    assert parsed[2]["type"] == "document"  # not article-journal, though it has a container
    assert [(w.record, w.field, w.value) for w in parsed.warnings()] == [
        (1, "author", "Rude"),
        (2, "item", "list"),
        (3, "type", "legal-case"),
    ]
    assert "is a type Cramps does not model; read as “document”." in str(parsed.warnings()[2])
