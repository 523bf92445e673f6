import socket
import time

import pytest

from references.formats.pubmed_xml import records_from_pubmed_xml
from references.lookup import (
    IdentifierLookupError,
    fetch_crossref,
    fetch_pubmed,
    lookup_identifiers,
    pubmed_term,
    search_pubmed,
    split_identifiers,
)
from references.tests.http_fixture import SampleServer, send, slow_answer

# Every Reference field a look-up fills, empty: records must have exactly these keys.
EMPTY = {
    "type": "article-journal",
    "key": "",
    "authors": [],
    "editors": [],
    "title": "",
    "container_title": "",
    "container_title_short": "",
    "issued_year": None,
    "volume": "",
    "issue": "",
    "pages": "",
    "publisher": "",
    "publisher_place": "",
    "edition": "",
    "url": "",
    "doi": "",
    "pmid": "",
    "pmcid": "",
    "isbn": "",
    "accessed": None,
    "abstract": "",
    "note": "",
}


@pytest.fixture
def server(samples):
    server = SampleServer(samples)
    server.start()
    yield server
    server.stop()


def pubmed(server: SampleServer, *pmids: str, timeout: float = 5) -> list[dict]:
    return fetch_pubmed(list(pmids), base_url=server.url, timeout=timeout)


def crossref(server: SampleServer, doi: str, timeout: float = 5) -> dict:
    return fetch_crossref(doi, base_url=server.url, timeout=timeout)


def lookup(server: SampleServer, text: str) -> list[dict]:
    return lookup_identifiers(text, pubmed_url=server.url, crossref_url=server.url, timeout=5)


def error_message(call, *args, **kwargs) -> str:
    with pytest.raises(IdentifierLookupError) as raised:
        call(*args, **kwargs)
    return str(raised.value)


# PubMed


def test_pubmed_two_articles_in_one_request(server):
    first, second = pubmed(server, "12091962", "9997")

    assert first == EMPTY | {
        "authors": [{"family": "Olivero", "given": "J Michael"}],
        "title": "The treatment of AIDS behind the walls of correctional facilities.",
        "container_title": "Social justice (San Francisco, Calif.)",
        "container_title_short": "Soc Justice",
        "issued_year": 1990,
        "volume": "17",
        "issue": "1",
        "pages": "113-125",
        "pmid": "12091962",
    }
    assert second == EMPTY | {
        "authors": [{"family": "Strekas", "given": "T C"}],
        "title": (
            "Magnetic studies of Chromatium flavocytochrome C552. A mechanism for heme-flavin interaction."
        ),
        "container_title": "Biochimica et biophysica acta",
        "container_title_short": "Biochim Biophys Acta",
        "issued_year": 1976,
        "volume": "446",
        "issue": "1",
        "pages": "179-191",
        "doi": "10.1016/0005-2795(76)90109-4",
        "pmid": "9997",
        "abstract": second["abstract"],
    }
    assert second["abstract"].startswith("Electron paramagnetic resonance and magnetic susceptibility")
    assert second["abstract"].endswith("the existence of a mechanism for heme-flavin interaction.")

    (request,) = server.requests
    assert request.path == "/efetch.fcgi"
    assert request.query == {"db": ["pubmed"], "id": ["12091962,9997"], "retmode": ["xml"]}
    assert request.headers["User-Agent"] == "Cramps/0.1 (reference look-up)"


def test_pubmed_answers_in_the_order_asked(server):
    records = pubmed(server, "9997", "12091962")

    assert [record["pmid"] for record in records] == ["9997", "12091962"]


def test_pubmed_structured_abstract_becomes_labelled_paragraphs(server):
    (record,) = pubmed(server, "28775130")

    paragraphs = record["abstract"].split("\n\n")
    assert [paragraph.split(":")[0] for paragraph in paragraphs] == [
        "OBJECTIVES",
        "METHODS",
        "RESULTS",
        "CONCLUSIONS",
    ]
    assert paragraphs[0] == (
        "OBJECTIVES: Animal studies suggest that exposure to pesticides may alter thyroid function; however, "
        "few epidemiologic studies have examined this association. We evaluated the relationship between "
        "individual pesticides and thyroid function in 679 men enrolled in a substudy of the Agricultural "
        "Health Study, a cohort of licensed pesticide applicators."
    )
    # <sub>, <u> and escaped &lt; come through as plain text; the copyright line is left out.
    assert "(TSH >4.5 mIU/L) compared with normal TSH (0.4-<4.5 mIU/L)" in paragraphs[1]
    assert "(ORQ3=4.15, 95% CI 1.56 to 11.01, ORQ4=4.76," in paragraphs[2]
    assert "©" not in record["abstract"]
    assert record == EMPTY | {
        "authors": record["authors"],
        "title": (
            "Occupational pesticide exposure and subclinical hypothyroidism among male pesticide applicators."
        ),
        "container_title": "Occupational and environmental medicine",
        "container_title_short": "Occup Environ Med",
        "issued_year": 2018,
        "volume": "75",
        "issue": "2",
        "pages": "79-89",
        "doi": "10.1136/oemed-2017-104431",
        "pmid": "28775130",
        "pmcid": "PMC5771820",
        "abstract": record["abstract"],
    }
    assert len(record["authors"]) == 12
    assert record["authors"][1] == {"family": "Beane Freeman", "given": "Laura E"}
    assert record["authors"][9] == {"family": "Alavanja", "given": "Michael C R"}


def test_pubmed_inline_markup_and_mathml_become_plain_text(server):
    (record,) = pubmed(server, "30108519")

    assert record["title"] == (
        'A "Blood Relationship" Between the Overlooked Minimum Lactate Equivalent and Maximal Lactate '
        "Steady State in Trained Runners. Back to the Old Days?"
    )
    assert 'the disused "Minimum Lactate Equivalent" (LEmin), first described' in record["abstract"]
    assert (
        "[VMLSS 15.0 ± 1.1 km·h-1; maximal oxygen uptake ( V.O2max ) 67.6 ± 4.1 ml·kg-1·min-1]"
        in (record["abstract"])
    )
    assert "(coefficient of variation: ≈7%)" in record["abstract"]
    assert "\n" not in record["abstract"]
    assert "  " not in record["abstract"]
    assert record == EMPTY | {
        "authors": [
            {"family": "Garcia-Tabar", "given": "Ibai"},
            {"family": "Gorostiaga", "given": "Esteban M"},
        ],
        "title": record["title"],
        "container_title": "Frontiers in physiology",
        "container_title_short": "Front Physiol",
        "issued_year": 2018,
        "volume": "9",
        "pages": "1034",
        "doi": "10.3389/fphys.2018.01034",
        "pmid": "30108519",
        "pmcid": "PMC6079548",
        "abstract": record["abstract"],
    }


def test_pubmed_own_ids_not_those_in_the_reference_list(server):
    (record,) = pubmed(server, "29963580")

    assert record["pmid"] == "29963580"
    assert record["pmcid"] == "PMC6022861"
    assert record["doi"] == "10.1117/1.jmi.5.2.026002"
    # 25144646 is the first of the 49 works this article cites.
    assert "25144646" not in repr(record)
    assert record["authors"][-1] == {"literal": "Canadian Respiratory Research Network"}
    assert len(record["authors"]) == 9
    assert "inhaled 3He/129Xe MRI ventilation" in record["abstract"]
    assert record == EMPTY | {
        "authors": record["authors"],
        "title": (
            "Development of a pulmonary imaging biomarker pipeline for phenotyping of chronic lung disease."
        ),
        "container_title": "Journal of medical imaging (Bellingham, Wash.)",
        "container_title_short": "J Med Imaging (Bellingham)",
        "issued_year": 2018,
        "volume": "5",
        "issue": "2",
        "pages": "026002",
        "doi": "10.1117/1.jmi.5.2.026002",
        "pmid": "29963580",
        "pmcid": "PMC6022861",
        "abstract": record["abstract"],
    }


def test_pubmed_book_chapter():
    # Hand-built in EFetch's PubmedBookArticle layout from the same record as medline/marcelis-20301770.nbib.
    xml = b"""<?xml version="1.0" ?>
<PubmedArticleSet><PubmedBookArticle><BookDocument>
  <PMID Version="1">20301770</PMID>
  <ArticleIdList><ArticleId IdType="bookaccession">NBK7050</ArticleId></ArticleIdList>
  <Book>
    <Publisher><PublisherName>University of Washington, Seattle</PublisherName>
      <PublisherLocation>Seattle (WA)</PublisherLocation></Publisher>
    <BookTitle book="gene">GeneReviews<sup>&#174;</sup></BookTitle>
    <PubDate><Year>1993</Year></PubDate>
    <AuthorList Type="editors">
      <Author><LastName>Adam</LastName><ForeName>Margaret P</ForeName><Initials>MP</Initials></Author>
      <Author><LastName>Ardinger</LastName><ForeName>Holly H</ForeName><Initials>HH</Initials></Author>
    </AuthorList>
  </Book>
  <ArticleTitle book="gene" part="feingold">Feingold Syndrome 1.</ArticleTitle>
  <AuthorList Type="authors">
    <Author><LastName>Marcelis</LastName><ForeName>Carlo LM</ForeName><Initials>CLM</Initials></Author>
    <Author><LastName>de Brouwer</LastName><ForeName>Arjan PM</ForeName><Initials>APM</Initials></Author>
  </AuthorList>
  <Abstract><AbstractText Label="CLINICAL CHARACTERISTICS">Feingold syndrome 1 is characterized by
    digital anomalies.</AbstractText><AbstractText Label="DIAGNOSIS/TESTING">The diagnosis of FS1 is
    established in a proband.</AbstractText></Abstract>
</BookDocument>
<PubmedBookData>
  <ArticleIdList><ArticleId IdType="pubmed">20301770</ArticleId></ArticleIdList>
</PubmedBookData>
</PubmedBookArticle></PubmedArticleSet>"""

    (record,) = records_from_pubmed_xml(xml)

    assert record == EMPTY | {
        "type": "chapter",
        "authors": [
            {"family": "Marcelis", "given": "Carlo LM"},
            {"family": "de Brouwer", "given": "Arjan PM"},
        ],
        "editors": [{"family": "Adam", "given": "Margaret P"}, {"family": "Ardinger", "given": "Holly H"}],
        "title": "Feingold Syndrome 1.",
        "container_title": "GeneReviews®",
        "issued_year": 1993,
        "publisher": "University of Washington, Seattle",
        "publisher_place": "Seattle (WA)",
        "url": "https://www.ncbi.nlm.nih.gov/books/NBK7050/",
        "pmid": "20301770",
        "abstract": (
            "CLINICAL CHARACTERISTICS: Feingold syndrome 1 is characterized by digital anomalies.\n\n"
            "DIAGNOSIS/TESTING: The diagnosis of FS1 is established in a proband."
        ),
    }


def test_pubmed_unknown_pmid(server):
    assert error_message(pubmed, server, "999999999") == "PubMed has no record with PMID 999999999."


def test_pubmed_unknown_pmids_named_among_known_ones(server):
    message = error_message(pubmed, server, "9997", "999999999", "888888888")

    assert message == "PubMed has no records with PMIDs 999999999, 888888888."


def test_pubmed_refuses_a_malformed_pmid_before_asking(server):
    message = error_message(pubmed, server, "9997", "12&db=x")

    assert message == "“12&db=x” is not a PMID: it should be digits only."
    assert server.requests == []


def test_pubmed_server_error(server):
    server.respond_with("/efetch.fcgi", lambda handler: send(handler, 500, b"oops", "text/plain"))

    message = error_message(pubmed, server, "9997")

    assert message == "PubMed answered with an error (HTTP 500 Internal Server Error); try again later."


def test_pubmed_malformed_xml(server):
    truncated = b'<?xml version="1.0" ?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation>'
    server.respond_with("/efetch.fcgi", lambda handler: send(handler, 200, truncated, "text/xml"))

    message = error_message(pubmed, server, "9997")

    assert message == "PubMed sent an answer Cramps could not read; try again later."


def test_pubmed_answer_in_another_format(server, samples):
    esummary = (samples / "pubmed-xml" / "esummary1.xml").read_bytes()
    server.respond_with("/efetch.fcgi", lambda handler: send(handler, 200, esummary, "text/xml"))

    assert "PubMed sent an answer Cramps could not read" in error_message(pubmed, server, "11850928")


def test_pubmed_entities_are_not_expanded():
    xml = b"""<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY boom "BOOM">]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>Title &boom;</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"""

    (record,) = records_from_pubmed_xml(xml)

    assert "BOOM" not in record["title"]


# Crossref


def test_crossref_journal_article(server):
    record = crossref(server, "10.1021/acs.orglett.9b00971")

    assert record == EMPTY | {
        "authors": [
            {"family": "Mansfield", "given": "Steven J."},
            {"family": "Smith", "given": "Russell C."},
            {"family": "Yong", "given": "Jonathan R. J."},
            {"family": "Garry", "given": "Olivia L."},
            {"family": "Anderson", "given": "Edward A."},
        ],
        "title": "A General Copper-Catalyzed Synthesis of Ynamides from 1,2-Dichloroenamides",
        "container_title": "Organic Letters",
        "container_title_short": "Org. Lett.",
        "issued_year": 2019,
        "volume": "21",
        "issue": "8",
        "pages": "2918-2922",
        "publisher": "American Chemical Society (ACS)",
        "doi": "10.1021/acs.orglett.9b00971",
    }
    (request,) = server.requests
    assert request.path == "/works/10.1021/acs.orglett.9b00971"
    assert request.headers["User-Agent"] == "Cramps/0.1 (reference look-up)"


def test_crossref_family_name_only(server):
    record = crossref(server, "https://doi.org/10.1038/D41586-020-02761-Z")

    assert record == EMPTY | {
        "authors": [{"family": "Sheherazade"}, {"family": "Ardiantiono"}],
        "title": "Attention science: some people have only one name",
        "container_title": "Nature",
        "container_title_short": "Nature",
        "issued_year": 2020,
        "publisher": "Springer Science and Business Media LLC",
        "doi": "10.1038/d41586-020-02761-z",
    }


def test_crossref_name_suffix(server):
    record = crossref(server, "10.1021/acs.orglett.7b03845")

    assert record == EMPTY | {
        "authors": [{"family": "Smith", "given": "Amos B.", "suffix": "III"}],
        "title": "Twenty Years of Organic Letters, A Look Back...and Forward",
        "container_title": "Organic Letters",
        "container_title_short": "Org. Lett.",
        "issued_year": 2018,
        "volume": "20",
        "issue": "1",
        "pages": "1-3",
        "publisher": "American Chemical Society (ACS)",
        "doi": "10.1021/acs.orglett.7b03845",
    }


def test_crossref_book_with_editor_and_isbn(server):
    record = crossref(server, "10.1039/9781788019972")

    # The series ("New Developments in NMR") is not a container a style should print.
    assert record == EMPTY | {
        "type": "book",
        "editors": [{"family": "Pileio", "given": "Giuseppe"}],
        "title": "Long-lived Nuclear Spin Order: Theory and Applications",
        "issued_year": 2020,
        "publisher": "Royal Society of Chemistry",
        "publisher_place": "Cambridge",
        "doi": "10.1039/9781788019972",
        "isbn": "9781788015684",
    }


def test_crossref_bare_message_with_jats_abstract(server):
    record = crossref(server, "10.7554/eLife.01567")

    assert record["abstract"].startswith("Among various advantages, their small size makes model organisms")
    assert record["abstract"].endswith("for example equidistant phloem pole formation.")
    assert "<" not in record["abstract"]
    assert record == EMPTY | {
        "authors": [
            {"family": "Sankar", "given": "Martial"},
            {"family": "Nieminen", "given": "Kaisa"},
            {"family": "Ragni", "given": "Laura"},
            {"family": "Xenarios", "given": "Ioannis"},
            {"family": "Hardtke", "given": "Christian S"},
        ],
        "title": (
            "Automated quantitative histology reveals vascular morphodynamics during Arabidopsis hypocotyl "
            "secondary growth"
        ),
        "container_title": "eLife",
        "issued_year": 2014,
        "volume": "3",
        "publisher": "eLife Sciences Publications, Ltd",
        "doi": "10.7554/elife.01567",
        "abstract": record["abstract"],
    }


def test_crossref_structured_jats_abstract_and_html_title(server):
    work = (
        b'{"status": "ok", "message-type": "work", "message": {"DOI": "10.1000/x", "type": "journal-article",'
        b' "title": ["CO<sub>2</sub> &amp; cramps"], "abstract": "<jats:title>Abstract</jats:title>'
        b"<jats:sec><jats:title>Background</jats:title><jats:p>Cramps  hurt.</jats:p></jats:sec>"
        b"<jats:sec><jats:title>Results</jats:title>"
        b'<jats:p>Less <jats:italic>so</jats:italic>.</jats:p></jats:sec>"}}'
    )
    server.respond_with("/works/10.1000/x", lambda handler: send(handler, 200, work, "application/json"))

    record = crossref(server, "10.1000/x")

    assert record["title"] == "CO2 & cramps"
    assert record["abstract"] == "Background: Cramps hurt.\n\nResults: Less so."


def test_crossref_unknown_doi(server):
    message = error_message(crossref, server, "10.1000/nothing-here")

    assert message == "Crossref has no record with DOI 10.1000/nothing-here."


def test_crossref_doi_is_quoted_in_the_path(server):
    error_message(crossref, server, "10.1002/(SICI)1097-4636(199706)35:4<497::AID-JBM10>3.0.CO;2-J?x#y")

    (request,) = server.requests
    assert request.path == (
        "/works/10.1002/%28sici%291097-4636%28199706%2935%3A4%3C497%3A%3Aaid-jbm10%3E3.0.co%3B2-j%3Fx%23y"
    )


def test_crossref_server_error(server):
    server.respond_with(
        "/works/10.1021/acs.orglett.9b00971", lambda handler: send(handler, 503, b"", "text/plain")
    )

    message = error_message(crossref, server, "10.1021/acs.orglett.9b00971")

    assert message == "Crossref answered with an error (HTTP 503 Service Unavailable); try again later."


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"status": "failed", "message-type": "validation-failure", "message": [{"type": "x"}]}',
    ],
)
def test_crossref_malformed_json(server, body):
    server.respond_with("/works/10.1000/x", lambda handler: send(handler, 200, body, "application/json"))

    assert error_message(crossref, server, "10.1000/x") == (
        "Crossref sent an answer Cramps could not read; try again later."
    )


# Network failures


def test_timeout(server):
    server.respond_with("/efetch.fcgi", slow_answer(1))

    started = time.monotonic()
    message = error_message(pubmed, server, "9997", timeout=0.2)

    assert message == "PubMed did not answer within 0.2 s; try again later."
    assert time.monotonic() - started < 0.9


def test_connection_refused():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]

    message = error_message(fetch_crossref, "10.1000/x", base_url=f"http://127.0.0.1:{port}", timeout=2)

    assert message == "Could not reach Crossref: Connection refused."


def test_redirect_to_another_host_is_refused(server):
    port = server.url.rsplit(":", 1)[1]
    elsewhere = f"http://localhost:{port}/works/10.1021/acs.orglett.9b00971"
    server.respond_with(
        "/works/10.1000/x", lambda handler: send(handler, 302, b"", "text/plain", Location=elsewhere)
    )

    message = error_message(crossref, server, "10.1000/x")

    assert message == (
        f"Crossref tried to send the look-up on to another site (localhost:{port}); Cramps did not follow."
    )
    assert [request.path for request in server.requests] == ["/works/10.1000/x"]


def test_redirect_within_the_site_is_followed(server):
    server.respond_with(
        "/works/10.1000/x",
        lambda handler: send(handler, 301, b"", "text/plain", Location="/works/10.1021/acs.orglett.7b03845"),
    )

    record = crossref(server, "10.1000/x")

    assert record["doi"] == "10.1021/acs.orglett.7b03845"


# Pasted identifiers


def test_lookup_keeps_the_pasted_order_and_batches_pmids(server):
    text = """10.1021/acs.orglett.7b03845, PMID: 9997
    https://doi.org/10.1038/d41586-020-02761-z 28775130,doi:10.7554/eLife.01567
    https://pubmed.ncbi.nlm.nih.gov/30108519/"""

    records = lookup(server, text)

    assert [record["doi"] or record["pmid"] for record in records] == [
        "10.1021/acs.orglett.7b03845",
        "10.1016/0005-2795(76)90109-4",
        "10.1038/d41586-020-02761-z",
        "10.1136/oemed-2017-104431",
        "10.7554/elife.01567",
        "10.3389/fphys.2018.01034",
    ]
    (efetch,) = [request for request in server.requests if request.path == "/efetch.fcgi"]
    assert efetch.query["id"] == ["9997,28775130,30108519"]
    assert len(server.requests) == 4


def test_lookup_asks_once_for_a_repeated_identifier(server):
    records = lookup(server, "9997 pmid:9997 PMID 9997")

    assert len(records) == 1
    assert len(server.requests) == 1


def test_lookup_of_nothing_asks_nothing(server):
    assert lookup(server, " \n, ") == []
    assert server.requests == []


def test_invalid_token_stops_the_lookup_before_any_request(server):
    message = error_message(lookup, server, "9997 abc 10.1021/acs.orglett.7b03845")

    assert message == "“abc” is neither a PMID nor a DOI."
    assert server.requests == []


def test_every_invalid_token_is_named(server):
    message = error_message(lookup, server, "abc 9997 PMC6022861 0123")

    assert message == "“abc”, “PMC6022861”, “0123” are neither PMIDs nor DOIs."
    assert server.requests == []


def test_split_identifiers():
    text = "PMID: 9997\nhttps://dx.doi.org/10.1000/ABC,doi: 10.1000/def  pmid 1234 "
    text += "https://pubmed.ncbi.nlm.nih.gov/12091962"

    assert split_identifiers(text) == [
        ("pmid", "9997"),
        ("doi", "10.1000/abc"),
        ("doi", "10.1000/def"),
        ("pmid", "1234"),
        ("pmid", "12091962"),
    ]


def test_too_many_identifiers(server):
    text = " ".join(str(pmid) for pmid in range(1, 52))

    assert error_message(lookup, server, text) == "Look up at most 50 identifiers at a time."
    assert server.requests == []


def test_pubmed_term_and_search(server):
    term = pubmed_term(
        title="Magnetic studies of Chromatium flavocytochrome C552.", author="Strekas", year=1976
    )

    assert (
        term
        == "Magnetic[ti] AND studies[ti] AND Chromatium[ti] AND flavocytochrome[ti] AND C552[ti] AND Strekas[au] AND 1976[dp]"
    )
    assert search_pubmed(term, base_url=server.url, timeout=5) == ["9997"]
    assert search_pubmed("cramps[ti]", base_url=server.url, timeout=5) == []


@pytest.mark.parametrize("body", [b"<html>busy</html>", b'{"esearchresult": {}}', b'{"error": "x"}'])
def test_pubmed_search_answer_that_cannot_be_read(server, body):
    server.respond_with("/esearch.fcgi", lambda handler: send(handler, 200, body, "application/json"))

    with pytest.raises(IdentifierLookupError, match="PubMed sent an answer Cramps could not read"):
        search_pubmed("x[ti]", base_url=server.url, timeout=5)


@pytest.mark.parametrize("doi", ["10.1000/../../admin", "10.1000/./x", "10.1000/a b"])
def test_a_doi_with_path_segments_is_refused_before_asking(server, doi):
    with pytest.raises(IdentifierLookupError, match="is not a DOI"):
        crossref(server, doi)

    assert server.requests == []
