import json
import warnings

import pytest

from references.csl import available_styles, format_bibliography

NLM = "nlm-citation-sequence"

RUDE_1998 = {
    "id": "Rude1998",
    "type": "article-journal",
    "title": "Magnesium deficiency: a cause of heterogeneous disease in humans",
    "author": [
        {"family": "Rude", "given": "R. K."},
        {"family": "Shils", "given": "M. E."},
        {"family": "Wester", "given": "P. O."},
        {"family": "Seelig", "given": "M. S."},
        {"family": "Durlach", "given": "J."},
        {"family": "Elin", "given": "R. J."},
        {"family": "Ryan", "given": "M. F."},
    ],
    "issued": {"date-parts": [[1998, 4]]},
    "container-title": "Journal of Bone and Mineral Research",
    "container-title-short": "J Bone Miner Res",
    "volume": "13",
    "issue": "4",
    "page": "749-758",
    "DOI": "10.1359/jbmr.1998.13.4.749",
    "PMID": "9556074",
}

SHILS_BOOK = {
    "id": "shils2006",
    "type": "book",
    "title": "Modern nutrition in health and disease",
    "author": [{"family": "Shils", "given": "Maurice E."}],
    "edition": "10",
    "publisher": "Lippincott Williams & Wilkins",
    "publisher-place": "Philadelphia",
    "issued": {"date-parts": [[2006]]},
}

ODS_WEB_PAGE = {
    "id": "ods-magnesium",
    "type": "webpage",
    "title": "Magnesium: fact sheet for health professionals",
    "author": [{"literal": "Office of Dietary Supplements"}],
    "container-title": "National Institutes of Health",
    "URL": "https://ods.od.nih.gov/factsheets/Magnesium-HealthProfessional/",
    "issued": {"date-parts": [[2022, 6, 2]]},
    "accessed": {"date-parts": [[2024, 5, 1]]},
}


def test_journal_article_in_nlm_form_truncates_after_six_authors():
    entries = format_bibliography([RUDE_1998], NLM)

    assert entries == {
        "Rude1998": "Rude RK, Shils ME, Wester PO, Seelig MS, Durlach J, Elin RJ, et al. Magnesium "
        "deficiency: a cause of heterogeneous disease in humans. J Bone Miner Res. 1998 Apr;13(4):"
        "749\u201358. doi:10.1359/jbmr.1998.13.4.749 PubMed PMID: 9556074."
    }


def test_book_in_nlm_form():
    entries = format_bibliography([SHILS_BOOK], NLM)

    assert entries["shils2006"] == (
        "Shils ME. Modern nutrition in health and disease. 10th ed. Philadelphia: "
        "Lippincott Williams &amp; Wilkins; 2006."
    )


def test_web_page_in_nlm_form():
    entries = format_bibliography([ODS_WEB_PAGE], NLM)

    assert entries["ods-magnesium"] == (
        "Office of Dietary Supplements. National Institutes of Health [Internet]. 2022 "
        "[cited 2024 May 1]. Magnesium: fact sheet for health professionals. Available from: "
        "https://ods.od.nih.gov/factsheets/Magnesium-HealthProfessional/"
    )


@pytest.mark.parametrize("style", [NLM, "ieee", "apa", "vancouver-nlm", "american-medical-association"])
def test_entries_have_no_citation_number(style):
    entries = format_bibliography([RUDE_1998, SHILS_BOOK, ODS_WEB_PAGE], style)

    assert list(entries) == ["Rude1998", "shils2006", "ods-magnesium"]
    for entry in entries.values():
        assert entry.startswith(("Rude", "R. K. Rude", "Shils", "M. E. Shils", "Office"))


def test_apa_uses_italics_from_the_html_formatter():
    entries = format_bibliography([SHILS_BOOK], "apa")

    assert entries["shils2006"] == (
        "Shils, M. E. (2006). <i>Modern nutrition in health and disease</i> (10th ed.). "
        "Lippincott Williams &amp; Wilkins."
    )


def test_ids_keep_their_case_and_type():
    items = [
        dict(SHILS_BOOK, id="Shils2006"),
        dict(SHILS_BOOK, id="shils2006", edition="11"),
        dict(SHILS_BOOK, id=7),
    ]

    entries = format_bibliography(items, NLM)

    assert list(entries) == ["Shils2006", "shils2006", "7"]
    assert "10th ed." in entries["Shils2006"]
    assert "11th ed." in entries["shils2006"]


def test_hostile_title_is_escaped():
    item = dict(SHILS_BOOK, title="<script>alert(1)</script> & <img src=x onerror=alert(1)>")

    entry = format_bibliography([item], NLM)["shils2006"]

    assert "<script" not in entry and "<img" not in entry
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in entry


def test_hostile_names_and_literal_dates_are_escaped():
    item = dict(
        SHILS_BOOK,
        author=[{"family": "<b onclick=x>Evil", "given": "A"}, {"literal": "<script>x</script>"}],
        issued={"literal": "<svg onload=x>"},
    )

    entry = format_bibliography([item], NLM)["shils2006"]

    assert "<b" not in entry and "<script" not in entry and "<svg" not in entry


def test_less_than_in_a_title_is_kept_as_text():
    item = dict(RUDE_1998, title="Cramps in children <5 years & adults aged>65")

    entry = format_bibliography([item], NLM)["Rude1998"]

    assert "Cramps in children &lt;5 years &amp; adults aged&gt;65." in entry


def test_csl_rich_text_markup_is_kept_and_balanced():
    item = dict(RUDE_1998, title="Magnesium in <i>Escherichia coli</i> and Mg<sup>2+</sup> <b>unclosed")

    entry = format_bibliography([item], NLM)["Rude1998"]

    assert "Magnesium in <i>Escherichia coli</i> and Mg<sup>2+</sup> <b>unclosed." in entry
    assert entry.endswith("PMID: 9556074.</b>")


def test_nocase_span_is_understood():
    item = dict(SHILS_BOOK, title='Magnesium and <span class="nocase">pH</span>')

    entry = format_bibliography([item], "chicago-author-date")["shils2006"]

    assert "<i>Magnesium and pH</i>" in entry


def test_unknown_and_malformed_csl_keys_are_ignored_without_warnings():
    item = dict(
        RUDE_1998,
        **{
            "indexed": {"date-parts": [[2018, 8, 9]], "timestamp": 1533835354031},
            "reference-count": 0,
            "link": [{"URL": "https://example.com"}],
            "note": None,
            "ISSN": ["0884-0431", "1523-4681"],
        },
    )
    item["author"] = [
        {"family": "Rude", "given": "R. K.", "affiliation": [], "sequence": "first", "ORCID": "x"},
        {"given": "Cher"},
        {},
        "not a name",
    ]
    item["issued"] = {"date-parts": [["1998", "4", None]], "date-time": "1998-04-01T00:00:00Z"}

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        entry = format_bibliography([item], NLM)["Rude1998"]

    assert entry.startswith("Rude RK, Cher. Magnesium deficiency")
    assert "1998 Apr;13(4)" in entry


def test_lower_case_variable_names_are_accepted():
    item = {"id": "a", "type": "article-journal", "title": "T", "doi": "10.1/x", "pmid": "123"}

    entry = format_bibliography([item], NLM)["a"]

    assert "doi:10.1/x" in entry and "PMID: 123" in entry


@pytest.mark.parametrize("date", [{"date-parts": [[None]]}, {"date-parts": []}, {"raw": "1998"}, {}, "1998"])
def test_bad_dates_do_not_break_formatting(date):
    entry = format_bibliography([dict(SHILS_BOOK, issued=date)], NLM)["shils2006"]

    assert entry.startswith("Shils ME. Modern nutrition in health and disease.")


def test_minimal_item():
    assert format_bibliography([{"id": "x", "title": "Only a title"}], NLM) == {"x": "Only a title."}


def test_no_items():
    assert format_bibliography([], NLM) == {}


def test_item_without_id_is_an_error():
    with pytest.raises(ValueError, match="id"):
        format_bibliography([{"title": "T"}], NLM)


@pytest.mark.parametrize("style", ["no-such-style", "../styles/apa", "APA", ""])
def test_unknown_style_is_a_value_error_naming_it(style):
    with pytest.raises(ValueError, match="Unknown CSL style") as error:
        format_bibliography([SHILS_BOOK], style)

    assert repr(style) in str(error.value)


def test_real_csl_json_exports_format_without_errors(samples):
    for path in sorted((samples / "csljson").glob("*.json")):
        items = json.loads(path.read_text(encoding="utf-8"))
        items = [item for item in items if "id" in item]

        entries = format_bibliography(items, NLM)

        assert list(entries) == [item["id"] for item in items], path.name
        assert all(entries.values()), path.name


def test_crossref_csl_json(samples):
    path = samples / "csljson" / "manubot-crossref-winter-scabs.json"
    items = json.loads(path.read_text(encoding="utf-8"))

    (entry,) = format_bibliography(items, NLM).values()

    assert entry.startswith("WINTER GD. Formation of the Scab")
    assert "Nature. 1962 Jan;193(4812):293\u20134. doi:10.1038/193293a0" in entry


def test_available_styles_include_the_default():
    assert NLM in available_styles()


def test_medline_style_initials_are_kept_as_initials():
    item = {"id": "rude1998", "type": "article-journal", "title": "Magnesium deficiency",
            "author": [{"family": "Rude", "given": "RK"}, {"family": "Shils", "given": "ME"}],
            "container-title": "J Bone Miner Res", "issued": {"date-parts": [[1998]]}}  # fmt: skip

    entry = format_bibliography([item], "nlm-citation-sequence")["rude1998"]

    assert entry.startswith("Rude RK, Shils ME.")
