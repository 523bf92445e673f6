"""``manage.py lookup_identifiers``: PMIDs proposed from PubMed searches, against the loopback test server."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from references.models import Reference
from references.tests.http_fixture import SampleServer, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(samples, settings):
    server = SampleServer(samples)
    server.start()
    settings.CRAMPS_PUBMED_URL = server.url
    settings.CRAMPS_LOOKUP_TIMEOUT = 5
    yield server
    server.stop()


@pytest.fixture
def library():
    Reference.objects.create(key="olivero1990", title="The treatment of AIDS behind the walls of correctional facilities",
                             authors=[{"family": "Olivero", "given": "JM"}], issued_year=1990)  # fmt: skip
    Reference.objects.create(key="guo2018", title="Development of a pulmonary imaging biomarker pipeline for "
                             "phenotyping of chronic lung disease", authors=[{"family": "Guo", "given": "F"}],
                             issued_year=2018)  # fmt: skip
    Reference.objects.create(key="olivero1991", title="The treatment of AIDS behind the walls",
                             authors=[{"family": "Olivero"}], issued_year=1990)  # fmt: skip
    Reference.objects.create(
        key="rude1998", title="Magnesium deficiency", authors=[{"family": "Rude"}], issued_year=1998
    )
    Reference.objects.create(key="strekas1976", title="Magnetic studies", pmid="9997")


def run(*options: str) -> str:
    out = StringIO()
    call_command("lookup_identifiers", "--delay", "0", *options, stdout=out)
    return out.getvalue()


def test_proposes_pmids_and_saves_nothing(server, library):
    output = run()

    assert "@guo2018: PMID 29963580 — “Development of a pulmonary imaging biomarker pipeline" in output
    assert ("@olivero1990: PMID 12091962 — “The treatment of AIDS behind the walls of correctional facilities.” "
            "(Soc Justice 1990)") in output  # fmt: skip
    # PubMed finds the 1990 article for this shorter title, but it is not the same work by the duplicate rule.
    assert (
        "@olivero1991: no PubMed record is the same work (found PMID 12091962 “The treatment of AIDS"
        in output
    )
    assert "@rude1998: nothing found in PubMed." in output
    assert "strekas1976" not in output  # it has a PMID
    assert "2 PMIDs proposed for 4 references without one. Run again with --apply to save them." in output
    assert not Reference.objects.exclude(key="strekas1976").exclude(pmid="").exists()


def test_searches_by_title_first_author_and_year(server, library):
    run("--key", "olivero1990")

    [search] = [request for request in server.requests if request.path == "/esearch.fcgi"]
    assert search.query["term"] == [
        "treatment[ti] AND AIDS[ti] AND behind[ti] AND walls[ti] AND correctional[ti] AND facilities[ti] "
        "AND Olivero[au] AND 1990[dp]"
    ]
    assert (search.query["db"], search.query["retmode"]) == (["pubmed"], ["json"])


def test_apply_saves_the_pmid_and_identifiers_the_reference_lacks(server, library):
    output = run("--apply")

    assert "2 PMIDs proposed for 4 references without one. Saved 2." in output
    guo = Reference.objects.get(key="guo2018")
    assert (guo.pmid, guo.pmcid, guo.doi) == ("29963580", "PMC6022861", "10.1117/1.jmi.5.2.026002")
    assert Reference.objects.get(key="olivero1990").pmid == "12091962"
    assert Reference.objects.get(key="rude1998").pmid == ""


def test_a_pmid_another_reference_has_is_not_saved(server, library):
    Reference.objects.create(key="olivero-copy", title="Copy", pmid="12091962")

    output = run("--apply", "--key", "olivero1990")

    assert (
        "@olivero1990: not saved: PMID 12091962 is already @olivero-copy's; the two may be the same work."
        in output
    )
    assert Reference.objects.get(key="olivero1990").pmid == ""


def test_a_failing_search_stops_and_saves_nothing(server, library):
    server.respond_with(
        "/esearch.fcgi", lambda handler: send(handler, 429, b'{"error": "rate"}', "application/json")
    )

    with pytest.raises(CommandError, match=r"Stopped at @guo2018: PubMed answered with an error \(HTTP 429 Too Many "
                                           r"Requests\); try again later. Nothing was saved."):  # fmt: skip
        run("--apply")

    assert not Reference.objects.exclude(key="strekas1976").exclude(pmid="").exists()


def test_unknown_key(server, library):
    with pytest.raises(CommandError, match="No reference has the key nobody."):
        run("--key", "nobody")
    assert server.requests == []
