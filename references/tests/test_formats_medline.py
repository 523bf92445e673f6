import pytest

from references.formats import ParseError, medline


def read(samples, name: str) -> list[dict]:
    return medline.parse((samples / "medline" / name).read_bytes())


def test_single_record_after_a_blank_line(samples):
    [record] = read(samples, "pubmed_result1.txt")

    assert record["pmid"] == "12230038"
    assert record["type"] == "article-journal"
    assert record["title"] == "The Bio* toolkits--a brief overview"
    assert record["authors"] == [{"family": "Mangalam", "given": "Harry"}]
    assert (record["container_title"], record["container_title_short"]) == (
        "Briefings in bioinformatics",
        "Brief Bioinform",
    )
    assert (record["issued_year"], record["volume"], record["issue"], record["pages"]) == (
        2002,
        "3",
        "3",
        "296-302",
    )
    assert record["doi"] == ""
    assert record["abstract"].startswith(
        "Bioinformatics research is often difficult to do with commercial software. The Open"
    )
    assert record["abstract"].endswith("the beginning biologist programmer.")


def test_several_records_with_wrapped_titles_and_dois_in_aid(samples):
    records = read(samples, "pubmed_result2.txt")

    assert [record["pmid"] for record in records] == ["16403221", "16377612", "14871861", "14630660"]
    first, second, third, fourth = records
    assert first["doi"] == "10.1186/1471-2105-7-10"
    assert first["pmcid"] == "PMC1373603"
    assert first["authors"][2] == {"family": "Saqi", "given": "Mansoor A S"}
    assert (
        second["title"] == "GenomeDiagram: a python package for the visualization of large-scale genomic data"
    )
    assert (second["pages"], second["doi"]) == ("616-7", "10.1093/bioinformatics/btk021")
    assert third["authors"][0] == {"family": "de Hoon", "given": "M J L"}
    assert fourth["doi"] == ""
    assert fourth["container_title"] == "Bioinformatics (Oxford, England)"


def test_recent_records_with_accented_names(samples):
    records = read(samples, "example_pubmed.txt")

    assert len(records) == 10
    first, second = records[:2]
    assert first["doi"] == "10.1016/j.ejmg.2019.03.004"  # the LID/AID marked [doi], not the [pii]
    assert (first["pmid"], first["pmcid"]) == ("30922926", "PMC7026692")
    assert first["authors"][2] == {"family": "O'Connor", "given": "Rebecca E"}
    assert (first["issued_year"], first["volume"], first["issue"], first["pages"]) == (
        2020,
        "63",
        "2",
        "103640",
    )
    assert "2n = 36-46" in first["abstract"]  # narrow no-break spaces become plain ones
    assert second["authors"][0] == {"family": "Peñalver", "given": "Enrique"}
    assert second["authors"][2] == {"family": "Álvarez-Parra", "given": "Sergio"}
    assert {"family": "Delclòs", "given": "Xavier"} in second["authors"]
    assert second["container_title_short"] == "Proc Natl Acad Sci U S A"
    assert records[4]["pages"] == "117-55"


def test_book_chapter_with_crlf_and_editors(samples):
    [record] = read(samples, "marcelis-20301770.nbib")

    assert record["type"] == "chapter"
    assert record["title"] == "Feingold Syndrome 1"
    assert record["container_title"] == "GeneReviews(®)"
    assert record["container_title_short"] == ""
    assert record["authors"] == [
        {"family": "Marcelis", "given": "Carlo LM"},
        {"family": "de Brouwer", "given": "Arjan PM"},
    ]
    assert len(record["editors"]) == 8
    assert record["editors"][0] == {"family": "Adam", "given": "Margaret P"}
    assert (record["publisher"], record["publisher_place"]) == (
        "University of Washington, Seattle",
        "Seattle (WA)",
    )
    assert (record["issued_year"], record["pmid"], record["doi"]) == (1993, "20301770", "")
    assert "\r" not in record["abstract"]
    assert record["abstract"].startswith(
        "CLINICAL CHARACTERISTICS: Feingold syndrome 1 (referred to as FS1 in this GeneReview)"
    )


def test_markup_wrapped_across_lines_is_dropped(samples):
    first, second = read(samples, "manubot-bibliography.nbib")

    assert first["title"] == "Sci-Hub provides access to nearly all scholarly literature"
    assert (first["pmid"], first["pmcid"], first["doi"]) == ("29424689", "PMC5832410", "10.7554/elife.32822")
    assert len(first["authors"]) == 7
    assert "<ext-link" not in first["abstract"] and "</ext-link>" not in first["abstract"]
    assert (
        second["title"] == "Reproducibility of computational workflows is automated using continuous analysis"
    )
    assert (second["container_title"], second["pages"]) == ("Nature biotechnology", "342-346")


def test_initials_only_authors_and_collective_author():
    text = "PMID- 1\nTI  - Old record.\nAU  - Rude RK\nAU  - Singer FR\nCN  - Cramp Study Group\nTA  - J X\n"

    [record] = medline.parse(text)

    assert record["authors"] == [
        {"family": "Rude", "given": "RK"},
        {"family": "Singer", "given": "FR"},
        {"literal": "Cramp Study Group"},
    ]


def test_records_run_together_without_a_blank_line():
    records = medline.parse("PMID- 1\nTI  - One.\nPMID- 2\nTI  - Two.\n")

    assert [(record["pmid"], record["title"]) for record in records] == [("1", "One"), ("2", "Two")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("TY  - JOUR\nTI  - A RIS file\nER  - \n", "line 1: this record has no PMID line"),
        (
            "PMID- 1\nTI  - A\nthis line is not indented\n",
            "line 3: 'this line is not indented' is neither a tagged line",
        ),
        ("\n\n", "The file is empty"),
        (b"\x00\x01\x02\x03binary", "binary file"),
    ],
)
def test_malformed_files(text, message):
    with pytest.raises(ParseError) as error:
        medline.parse(text)

    assert message in str(error.value)
