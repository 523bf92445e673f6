"""What reference managers and databases really write (issue 15): each oddity read, or warned about.

``patterns`` holds small files written to reproduce one pattern each; ``samples`` holds real
exports published by others (see each folder's README).
"""

from pathlib import Path

import pytest

from references.formats import read_file
from references.record import names_from_cell

PATTERNS = Path(__file__).resolve().parent / "patterns"


def read(path: Path):
    return read_file(path.name, path.read_bytes())


def warnings_of(parsed) -> list[tuple[int, str, str]]:
    return [(warning.record, warning.field, warning.value) for warning in parsed.warnings()]


# Refused whole for one field before: now read, with a warning for the field


def test_bibtex_with_a_repeated_field_keeps_the_first_and_says_so():
    parsed = read(PATTERNS / "scopus-repeated-field.bib")

    assert [record["key"] for record in parsed] == ["Meyer2021", "Tanaka2020"]
    [warning] = parsed.warnings()
    assert str(warning) == (
        "Record 1 (Meyer2021), funding_details: “{Wellcome Trust, WT: 200000}” repeats a field given earlier "
        "in the entry; the first one is kept."
    )
    assert "funding_details" in parsed.unused


def test_bibtex_with_a_repeated_key_renames_the_second():
    parsed = read_file("twice.bib", b"@article{a, title={First}}\n@article{a, title={Second}}\n")

    assert [(record["key"], record["title"]) for record in parsed] == [("a", "First"), ("a-2", "Second")]
    assert "repeats the key of an earlier entry; this one becomes “a-2”." in str(parsed.warnings()[0])


def test_bibtex_name_that_cannot_be_split_is_read_loosely():
    [record] = read_file("odd.bib", b"@article{a, author = {A, B, C, D}, title = {T}}\n")

    assert record["authors"]
    assert "cannot be split into name parts" in str(record.problems[0].why)


def test_protocol_relative_url_is_read_as_https():
    [record] = read(PATTERNS / "sciencedirect-protocol-relative.ris")

    assert record["url"] == "https://www.sciencedirect.com/science/article/pii/S0168827818300010"
    assert record["doi"] == "10.1016/j.jhep.2018.01.001"


@pytest.mark.parametrize(
    ("path", "count", "placeholders"),
    [
        (PATTERNS / "endnote-go-to-isi.ris", 19, [3, 9, 15]),
        (
            Path(__file__).resolve().parent / "samples" / "ris" / "asreview-rayyan-endnote.ris",
            19,
            [5, 18, 19],
        ),
    ],
    ids=["written", "Rayyan export"],
)
def test_placeholder_urls_are_left_out_of_their_record_only(path, count, placeholders):
    parsed = read(path)

    assert len(parsed) == count
    assert all(record["title"] for record in parsed)
    assert [(number, field) for number, field, _ in warnings_of(parsed)] == [(n, "url") for n in placeholders]
    assert all(value.startswith("<Go to ISI>://WOS:") for _, _, value in warnings_of(parsed))
    assert "is not a web address; left out." in str(parsed.warnings()[0])
    assert all(record["url"] == "" for number, record in enumerate(parsed, 1) if number in placeholders)


def test_old_acm_doi_address():
    [record] = read(PATTERNS / "acm-old-doi.bib")

    assert record["doi"] == "10.1145/967900.967926"
    assert record["type"] == "paper-conference"


# Imported wrong without a word before: now right, or warned


def test_embase_csv_columns_are_mapped_and_the_rest_listed():
    parsed = read(PATTERNS / "embase-columns.csv")

    first, second = parsed
    assert first["title"] == "Magnesium for muscle cramps"
    assert first["authors"] == [{"family": "Garrison", "given": "S.R."}, {"family": "Korownyk", "given": "C.S."},
                                {"family": "Kolber", "given": "M.R."}]  # fmt: skip
    assert (first["container_title"], first["issued_year"], first["doi"], first["pmid"]) == (
        "Cochrane Database of Systematic Reviews", 2020, "10.1002/14651858.cd009402.pub3", "32956536")  # fmt: skip
    assert (second["volume"], second["issue"], second["pages"]) == ("125", "3", "678-685")
    assert parsed.unused == ["Emtree Drug Index Terms", "Full Record Link"]


def test_real_embase_csv_journal_year_and_pages_from_its_source_column(samples):
    parsed = read(samples / "csv" / "asreview-embase.csv")

    assert len(parsed) == 6
    first = parsed[0]
    assert first["authors"] == [{"family": "Liu", "given": "R."}, {"family": "Adler", "given": "D.G."}]
    assert (first["container_title"], first["issued_year"], first["volume"], first["issue"], first["pages"]) == (
        "Endoscopic Ultrasound", 2014, "3", "3", "152-160")  # fmt: skip
    assert "Emtree Medical Index Terms" in parsed.unused
    assert "Source" not in parsed.unused


def test_real_scopus_csv_with_rows_longer_than_the_header(samples):
    parsed = read(samples / "csv" / "litstudy-scopus.csv")

    assert len(parsed) == 58
    assert not parsed.warnings()
    third = parsed[2]  # one of the rows with a "Funding Text 2" cell the header does not name
    assert (third["title"][:30], third["container_title"], third["pages"], third["pmid"]) == (
        "Petri nets and ODEs as complem", "Scientific Reports", "1135", "35064163")  # fmt: skip
    assert (third["container_title_short"], third["type"]) == ("Sci. Rep.", "article-journal")
    assert parsed[0]["authors"][8] == {"family": "Kalé", "given": "L."}
    assert parsed[57]["authors"] == []  # "[No author name available]"
    assert "Author(s) ID" in parsed.unused and "EID" in parsed.unused
    assert "Source" in parsed.unused  # "Scopus" in every row: not Embase's compound column


def test_written_scopus_row_with_an_extra_funding_text():
    first, second, third = read(PATTERNS / "scopus-funding-text.csv")

    assert (second["title"], second["publisher"], second["type"]) == ("Quinine and muscle cramps", "MDPI",
                                                                       "article-journal")  # fmt: skip
    assert (third["pages"], third["doi"]) == ("l100", "10.1136/bmj.l100")


def test_a_row_whose_cells_cannot_be_matched_is_left_out_with_a_warning():
    parsed = read_file("ragged.csv", b"title,year,doi\nGood,2001,\nBad,2002,10.1/x,extra,more\n")

    assert [record["title"] for record in parsed] == ["Good", ""]
    assert warnings_of(parsed) == [(2, "row", "5 cells")]


def test_gbk_bibtex_is_detected_and_the_guess_shown():
    parsed = read(PATTERNS / "gbk.bib")

    [record] = parsed
    assert record["title"] == "镁缺乏与夜间腿部肌肉痉挛的关系研究"
    assert record["container_title"] == "中华医学杂志"
    assert record["authors"][0] == {"family": "王小明"}
    assert parsed.encoding == "GB18030 (Chinese, GBK) (guessed)"
    assert parsed.notes[0].startswith("The file is not UTF-8: it looks like GB18030 (Chinese, GBK)")


def test_chosen_encoding_overrides_the_guess():
    data = "TY  - JOUR\nTI  - Крампи\nER  - \n".encode("cp1251")

    parsed = read_file("refs.ris", data, encoding="cp1251")

    assert parsed[0]["title"] == "Крампи"
    assert parsed.encoding == "Windows-1251 (Cyrillic)"


def test_windows_1252_stays_windows_1252():
    parsed = read_file("refs.ris", "TY  - JOUR\nAU  - Müller, Jürgen\nTI  - Crampes “nocturnes”\nER  - \n"
                       .encode("cp1252"))  # fmt: skip

    assert parsed[0]["title"] == "Crampes “nocturnes”"
    assert parsed.encoding == "Windows-1252 (guessed)"


def test_isi_authors_on_one_line_and_pages_in_ps():
    [record] = read(PATTERNS / "isi-medline-authors.ris")

    assert [name["family"] for name in record["authors"]] == ["Joffe", "Hall", "Soares", "Hickey"]
    assert record["authors"][1] == {"family": "Hall", "given": "Janet E"}
    assert record["pages"] == "2457-71"
    assert record["pmid"] == "23690738"  # AN from a MEDLINE database


# Smaller losses


def test_pmid_and_pmcid_from_pubmed_centrals_custom_fields():
    [record] = read(PATTERNS / "pmc.ris")

    assert (record["pmid"], record["pmcid"]) == ("25673125", "PMC4756000")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Liu R.", {"family": "Liu", "given": "R."}),
        ("Adler D.G.", {"family": "Adler", "given": "D.G."}),
        ("World Health Organization", {"literal": "World Health Organization"}),
        ("U.S. Department of Agriculture", {"literal": "U.S. Department of Agriculture"}),
    ],
)
def test_initials_with_a_full_stop_are_a_person(text, name):
    parsed = read_file("a.ris", f"TY  - JOUR\nAU  - {text}\nTI  - T\nER  - \n".encode())

    assert parsed[0]["authors"] == [name]


def test_real_embase_ris_authors_are_people(samples):
    parsed = read(samples / "ris" / "asreview-embase.ris")

    assert parsed[0]["authors"] == [{"family": "Liu", "given": "R."}, {"family": "Adler", "given": "D.G."}]
    assert parsed[0]["container_title"] == "Endoscopic Ultrasound"
    assert parsed[0]["doi"] == "10.4103/2303-9027.138783"


def test_ebsco_journal_from_jo_jf_and_doi_from_l3():
    [record] = read(PATTERNS / "ebsco.ris")

    assert record["title"] == "Muskelkrämpfe bei Dialysepatienten"
    assert record["container_title"] == "Der Nephrologe"  # not T2, the translated title
    assert record["doi"] == "10.1007/s11560-018-0224-z"


def test_web_of_science_article_number_loses_its_marker():
    [record] = read(PATTERNS / "wos-unsp.ris")

    assert record["pages"] == "1722034"


def test_csl_types_cramps_does_not_model_become_documents():
    case, article = read(PATTERNS / "legal-case.json")

    assert (case["type"], article["type"]) == ("document", "article-journal")
    assert warnings_of(read(PATTERNS / "legal-case.json")) == [(1, "type", "legal-case")]


def test_ris_with_one_space_before_the_hyphen_is_read():
    parsed = read(PATTERNS / "one-space.ris")

    assert [(record["type"], record["title"]) for record in parsed] == [
        ("article-journal", "Magnesium deficiency: a cause of heterogeneous disease in humans"),
        ("book", "Magnesium metabolism"),
    ]
    assert parsed[0]["pages"] == "749-758"
    assert "one space before each hyphen" in parsed.notes[0]


def test_real_ovid_export_with_lines_between_records(samples):
    parsed = read(samples / "ris" / "asreview-ovid-psycinfo.ris")

    assert len(parsed) == 6
    assert parsed[0]["doi"] == "10.1002/cpp.2398"
    assert parsed.notes[0] == "Line 26: the NL line is outside any record; it was ignored."


def test_real_ieee_names_written_given_name_first(samples):
    parsed = read(samples / "csv" / "litstudy-ieee.csv")

    assert parsed[0]["authors"] == [{"family": "Kogge", "given": "P."}, {"family": "Shalf", "given": "J."}]
    assert parsed[0]["container_title"] == "Computing in Science & Engineering"


def test_real_proquest_family_only_author(samples):
    first = read(samples / "ris" / "asreview-proquest.ris")[0]

    assert first["authors"][4] == {"family": "Renouf", "given": "Charlotte"}
    assert first["doi"] == "10.1002/jts.22387"


def test_real_web_of_science_ris_abbreviation_from_ji(samples):
    first = read(samples / "ris" / "asreview-web-of-science.ris")[0]

    assert first["container_title"] == "JOURNAL OF APPLIED RESEARCH IN MEMORY AND COGNITION"
    assert first["container_title_short"]


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        (
            "Rude, Robert K; Wester, PO",
            [{"family": "Rude", "given": "Robert K"}, {"family": "Wester", "given": "PO"}],
        ),
        ("Rude, Robert K", [{"family": "Rude", "given": "Robert K"}]),
        ("Smith J, Doe AB", [{"family": "Smith", "given": "J"}, {"family": "Doe", "given": "AB"}]),
        ("Liu R., Adler D.G.", [{"family": "Liu", "given": "R."}, {"family": "Adler", "given": "D.G."}]),
        ("{Institute of Medicine; Board}", [{"literal": "Institute of Medicine; Board"}]),
    ],
)
def test_names_in_one_cell(cell, names):
    assert names_from_cell(cell) == names
