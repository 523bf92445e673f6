"""The admin's "Look up by PMID/DOI" page, against a local server that answers like PubMed and Crossref."""

import socket

import pytest
from django.contrib.auth.models import Permission

from references.models import Reference
from references.tests.http_fixture import SampleServer, send, slow_answer

pytestmark = pytest.mark.django_db

LOOKUP_URL = "/admin/references/reference/lookup/"


@pytest.fixture
def server(samples, settings):
    server = SampleServer(samples)
    server.start()
    settings.CRAMPS_PUBMED_URL = server.url
    settings.CRAMPS_CROSSREF_URL = server.url
    settings.CRAMPS_LOOKUP_TIMEOUT = 5
    yield server
    server.stop()


def look_up(client, text: str):
    return client.post(LOOKUP_URL, {"identifiers": text, "lookup": "1"})


def form_errors(response) -> list[str]:
    return [str(error) for errors in response.context["form"].errors.values() for error in errors]


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def test_page_is_linked_from_the_changelist(admin_client):
    changelist = admin_client.get("/admin/references/reference/").content.decode()

    assert f'href="{LOOKUP_URL}"' in changelist
    assert "PMIDs or DOIs" in admin_client.get(LOOKUP_URL).content.decode()


def test_preview_then_add(admin_client, server):
    preview = look_up(admin_client, "9997, PMID: 12091962\nhttps://doi.org/10.1021/acs.orglett.9b00971")

    statuses = preview.context["plan"].records
    assert [(status.key, status.is_new) for status in statuses] == [
        ("strekas1976", True), ("olivero1990", True), (statuses[2].key, True)]  # fmt: skip
    page = preview.content.decode()
    assert "Magnetic studies of Chromatium flavocytochrome C552" in page
    assert 'value="Add 3 new references"' in page
    assert not Reference.objects.exists()

    response = admin_client.post(LOOKUP_URL, {"confirm": "1"})

    assert response.status_code == 302
    assert Reference.objects.count() == 3
    strekas = Reference.objects.get(key="strekas1976")
    assert (strekas.pmid, strekas.doi, strekas.container_title_short, strekas.pages) == (
        "9997", "10.1016/0005-2795(76)90109-4", "Biochim Biophys Acta", "179-191")  # fmt: skip
    assert Reference.objects.get(doi="10.1021/acs.orglett.9b00971").container_title
    assert messages_of(response) == [f"Added 3 references: @strekas1976, @olivero1990, @{statuses[2].key}."]
    assert [request.path for request in server.requests] == [
        "/efetch.fcgi",
        "/works/10.1021/acs.orglett.9b00971",
    ]


def test_records_already_in_the_library_are_marked_and_left_out(admin_client, server):
    Reference.objects.create(key="strekas1976", title="Magnetic studies", pmid="9997")
    Reference.objects.create(key="olivero", title="The treatment of AIDS behind the walls of correctional facilities",
                             authors=[{"family": "Olivero", "given": "JM"}], issued_year=1990)  # fmt: skip

    preview = look_up(admin_client, "9997 12091962 28775130")

    page = preview.content.decode()
    assert "Duplicate of" in page and "@strekas1976</a>\n                (same PMID 9997)" in page
    assert "(same title, first author and year)" in page
    assert 'value="Add 1 new reference"' in page
    response = admin_client.post(LOOKUP_URL, {"confirm": "1"})
    assert Reference.objects.count() == 3
    assert Reference.objects.filter(pmid="28775130").exists()
    assert "Left out 2 already in the library or listed twice." in messages_of(response)


def test_nothing_new_offers_no_button(admin_client, server):
    Reference.objects.create(key="strekas1976", title="Magnetic studies", pmid="9997")

    page = look_up(admin_client, "9997").content.decode()

    assert "Every record found is already in the library." in page
    assert 'name="confirm"' not in page


def test_a_record_added_meanwhile_is_not_added_twice(admin_client, server):
    look_up(admin_client, "9997 12091962")
    Reference.objects.create(key="strekas", title="Magnetic studies", pmid="9997")

    admin_client.post(LOOKUP_URL, {"confirm": "1"})

    assert Reference.objects.filter(pmid="9997").count() == 1
    assert Reference.objects.filter(pmid="12091962").exists()


def test_a_value_that_does_not_validate_is_left_out_with_a_warning(admin_client, server):
    look_up(admin_client, "9997 12091962")
    session = admin_client.session
    session["references_lookup"]["records"][1]["doi"] = "not a doi"
    session.save()

    response = admin_client.post(LOOKUP_URL, {"confirm": "1"})

    assert response.status_code == 302
    assert Reference.objects.get(pmid="12091962").doi == ""
    assert (
        "Record 2 (“The treatment of AIDS behind the walls of correcti…”), doi: “not a doi” cannot be stored "
        "(“not a doi” is not a DOI: it should look like 10.1234/abc.); left out."
    ) in messages_of(response)


def test_confirm_without_a_look_up(admin_client):
    response = admin_client.post(LOOKUP_URL, {"confirm": "1"})

    assert response.status_code == 302
    assert messages_of(response) == ["That look-up has expired; look the identifiers up again."]


# Failures: the form comes back with the reason, nothing is added


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1", "PubMed has no record with PMID 1."),
        ("9997 10.1000/none", "Crossref has no record with DOI 10.1000/none."),
        ("9997 cramps", "“cramps” is neither a PMID nor a DOI."),
    ],
)
def test_unknown_identifiers(admin_client, server, text, message):
    response = look_up(admin_client, text)

    assert form_errors(response) == [message]
    assert response.context["plan"] is None
    assert not Reference.objects.exists()


def test_service_error(admin_client, server):
    server.respond_with("/efetch.fcgi", lambda handler: send(handler, 503, b"busy", "text/plain"))

    response = look_up(admin_client, "9997")

    assert form_errors(response) == [
        "PubMed answered with an error (HTTP 503 Service Unavailable); try again later."
    ]


def test_timeout(admin_client, server, settings):
    settings.CRAMPS_LOOKUP_TIMEOUT = 0.2

    server.respond_with("/efetch.fcgi", slow_answer(1))

    response = look_up(admin_client, "9997")

    assert form_errors(response) == ["PubMed did not answer within 0.2 s; try again later."]
    assert not Reference.objects.exists()


def test_network_failure(admin_client, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.CRAMPS_CROSSREF_URL = f"http://127.0.0.1:{port}"

    response = look_up(admin_client, "10.1000/x")

    assert form_errors(response) == ["Could not reach Crossref: Connection refused."]


def test_needs_the_add_permission(client, django_user_model, server):
    editor = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="view_reference"))
    client.force_login(editor)

    assert client.get(LOOKUP_URL).status_code == 403
    assert look_up(client, "9997").status_code == 403
    assert client.post(LOOKUP_URL, {"confirm": "1"}).status_code == 403
    assert "Look up by PMID/DOI" not in client.get("/admin/references/reference/").content.decode()
    assert server.requests == []
