import datetime

import pytest

from references.formats import ParseError, bibtex
from references.tests import factories


def read(samples, name: str) -> dict[str, dict]:
    return {record["key"]: record for record in bibtex.parse((samples / "bibtex" / name).read_bytes())}


def test_articles_with_doi_url_and_braced_words(samples):
    records = read(samples, "article_comma_normal_multiple.bib")

    assert list(records) == [
        "FuMetalhalideperovskite2019",
        "SunEnablingSiliconSolar2014",
        "LiuPhotocatalytichydrogenproduction2016",
    ]
    record = records["FuMetalhalideperovskite2019"]
    assert record["type"] == "article-journal"
    assert record["title"].startswith(
        "Metal halide perovskite nanostructures for optoelectronic applications"
    )
    assert record["authors"][0] == {"family": "Fu", "given": "Yongping"}
    assert record["authors"][4] == {"family": "Zhu", "given": "X.-Y."}
    assert (record["container_title"], record["issued_year"]) == ("Nature Reviews Materials", 2019)
    assert (record["volume"], record["issue"], record["pages"]) == ("4", "3", "169-188")
    assert record["doi"] == "10.1038/s41578-019-0080-9"
    assert record["publisher"] == "Springer Science and Business Media LLC"
    assert records["SunEnablingSiliconSolar2014"]["publisher"] == "American Chemical Society (ACS)"
    assert records["LiuPhotocatalytichydrogenproduction2016"]["title"].endswith(
        "an unanchored NiSx co-catalyst"
    )


def test_latex_accents_and_multi_line_abstract(samples):
    record = read(samples, "article_with_special_characters.bib")["Cesar2013"]

    assert record["authors"] == [{"family": "Césarü", "given": "Jean"}]
    assert (record["title"], record["container_title"]) == ("An amazing title", "Nice Journal")
    assert (record["issued_year"], record["volume"], record["pages"]) == (2013, "12", "12-23")
    assert record["abstract"] == (
        "This is an abstract. This line should be long enough to test multilines... "
        "and with a french érudit word"
    )


def test_cyrillic_quoted_values_and_name_forms(samples):
    records = read(samples, "cyrillic.bib")

    book = records["viktorov-metodoj"]
    assert book["type"] == "book"
    assert book["authors"] == [{"family": "Викторов", "given": "Михаил Маркович"}]
    assert book["title"] == "Методы вычисления физико-химических величин и прикладные расчёты"
    assert (book["publisher"], book["issued_year"], book["isbn"]) == ("Л.: <<Химия>>", 1977, "000-0000000000")
    chapter = records["test-inbook"]
    assert chapter["type"] == "chapter"
    assert chapter["authors"] == [{"family": "Jackson", "given": "Péter"}]
    assert (chapter["container_title"], chapter["edition"], chapter["pages"]) == (
        "Some Good Book",
        "Second",
        "44-59",
    )
    assert chapter["url"] == "https://example.com/Peter%20Jackson.html"  # "%" is not a LaTeX comment here
    assert records["inbook-editor"]["editors"] == [{"family": "Lenin", "given": "Vladimir Ilyich"}]
    assert records["inbook-editor"]["authors"] == []
    booklet = records["test-booklet"]
    assert booklet["authors"] == [{"family": "de Last", "given": "First Middle", "suffix": "Jr."}]
    assert (booklet["type"], booklet["publisher_place"]) == ("document", "Moscow")
    assert records["ruckenstein-diffusion"]["container_title"] == "Ind. Eng. Chem. Res."


def test_zotero_export_with_odd_keys(samples):
    records = read(samples, "manubot-bibliography.bib")

    article = records["doi-10-7554-elife-32822"]  # from "doi:10.7554/elife.32822"
    assert article["title"] == "Sci-Hub provides access to nearly all scholarly literature"
    assert article["authors"][5] == {"family": "Greshake Tzovaras", "given": "Bastian"}
    assert (article["container_title"], article["issued_year"], article["volume"]) == ("eLife", 2018, "7")
    assert article["doi"] == "10.7554/elife.32822"
    assert article["accessed"] == datetime.date(2019, 3, 12)
    page = records["noauthor_techblog-_nodate"]
    assert page["type"] == "webpage"  # @misc with a URL
    assert (
        page["title"] == "TechBlog: ‘Manubot’ powers a crowdsourced ‘deep-learning’ review : Naturejobs Blog"
    )
    assert (page["authors"], page["issued_year"]) == ([], None)


def test_xampl_every_entry_type(samples):
    records = read(samples, "xampl.bib")

    assert len(records) == 36
    assert {key: record["type"] for key, record in records.items() if key.endswith("-full")} == {
        "article-full": "article-journal",
        "inbook-full": "chapter",
        "book-full": "book",
        "booklet-full": "document",
        "incollection-full": "chapter",
        "manual-full": "document",
        "mastersthesis-full": "thesis",
        "misc-full": "document",
        "inproceedings-full": "paper-conference",
        "proceedings-full": "book",
        "phdthesis-full": "thesis",
        "techreport-full": "report",
        "unpublished-full": "document",
    }


def test_xampl_latex_strings_and_concatenation(samples):
    records = read(samples, "xampl.bib")

    assert records["unpublished-full"]["authors"] == [
        {"family": "Ünderwood", "given": "Ulrich"},
        {"family": "Ñet", "given": "Ned"},
        {"family": "P\u0304ot", "given": "Paul"},
    ]
    assert records["mastersthesis-full"]["authors"] == [{"family": "Masterly", "given": "Édouard"}]
    assert records["article-full"]["container_title"] == "G-Animal's Journal"  # \mbox{…} kept
    assert records["inbook-full"]["issued_year"] == 1973  # {\noopsort{1973b}}1973
    assert records["inproceedings-full"]["container_title"] == (
        "Proc. Fifteenth Annual ACM Symposium on the Theory of Computing"  # "…" # STOC
    )
    assert (
        records["whole-proceedings"]["publisher"] == "The OX Association for Computing Machinery"
    )  # @STRING
    assert records["techreport-full"]["title"] == "An O(n log n / loglog n) Sorting Algorithm"
    assert records["phdthesis-full"]["title"] == "Fighting Fire with Fire: Festooning French Phrases"
    assert records["incollection-full"]["editors"][1] == {"family": "Lawrie", "given": "D. H."}
    assert records["incollection-full"]["container_title"] == "High Speed Computer and Algorithm Organization"
    assert records["inbook-full"]["pages"] == "10-119"


def test_xampl_entries_without_title_are_passed_on(samples):
    """BibTeX allows them; the importer reports the missing title per record."""
    records = read(samples, "xampl.bib")

    assert records["misc-minimal"]["title"] == ""
    assert records["whole-journal"]["title"] == ""
    # A BibTeX note is the file owner's: not imported, and listed as such.
    assert records["whole-journal"]["note"] == ""
    assert "note" in bibtex.parse((samples / "bibtex" / "xampl.bib").read_bytes()).unused


def test_organisation_author_and_pubmed_ids():
    text = r"""@techreport{who2021,
  author = {{World Health Organization} and M{\"u}ller, J{\"o}rg},
  title = {Guidelines},
  year = {2021},
  pmid = {9850106},
  pmcid = {PMC1234567},
  doi = {https://doi.org/10.1000/XYZ_1},
}"""

    [record] = bibtex.parse(text)

    assert record["authors"] == [
        {"literal": "World Health Organization"},
        {"family": "Müller", "given": "Jörg"},
    ]
    assert (record["pmid"], record["pmcid"], record["doi"]) == ("9850106", "PMC1234567", "10.1000/xyz_1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "@article{a,\n  title = {Unbalanced {braces},\n  year = 2000\n}\n",
            "the block starting on line 1 is malformed",
        ),
        (
            "@article{ok, title={Fine}}\n\n@book{b,\n  title = {Cut",
            "the block starting on line 3 is malformed",
        ),
        ("This is just a paragraph of text.\n", "No BibTeX entries found"),
        ("", "The file is empty"),
    ],
)
def test_malformed_files(text, message):
    with pytest.raises(ParseError) as error:
        bibtex.parse(text)

    assert message in str(error.value)


def make_record(**overrides) -> dict:
    """A record full of what BibTeX must escape and brace."""
    special = {
        "authors": [{"family": "Rude", "given": "Robert K"}, {"family": "van Gogh", "given": "Vincent"}],
        "editors": [{"literal": "Procter and Gamble"}],
        "title": "Magnesium & DNA: 50% of eLife's cases_1 {braced} ~ ^ -- --- \\ #",
        "url": "https://example.org/a_b%20c",
        "note": "Müller’s “note”",
    }
    return factories.make_record(**{**special, **overrides})


def test_round_trip():
    records = [
        make_record(),
        make_record(
            type="chapter", key="ch", container_title="Modern Nutrition", authors=[{"family": "WINTER"}]
        ),
        make_record(type="thesis", key="th", authors=[{"family": "Викторов", "given": "Михаил"}]),
        make_record(type="report", key="rep"),
        make_record(type="webpage", key="web", authors=[{"literal": "World Health Organization"}]),
    ]

    # Notes are written but not read back: in a BibTeX file they are the owner's.
    assert bibtex.parse(bibtex.dump(records)) == [record | {"note": ""} for record in records]


def test_dump_gives_keyless_records_a_key():
    text = bibtex.dump([make_record(key=""), make_record(key="")])

    assert "@article{rude1998," in text and "@article{rude1998a," in text


def test_dump_protects_capitals_and_escapes_latex():
    text = bibtex.dump([make_record()])

    assert r"title = {Magnesium \& {DNA}: 50\% of {eLife}'s cases\_1 \{braced\}" in text
    assert "pages = {749--58}" in text
    assert "url = {https://example.org/a_b%20c}" in text
    assert "editor = {{Procter and Gamble}}" in text
