"""django-axes locks out a user name after five failed logins from one address; a command
lifts the lock."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def login(client, password: str, address: str = "198.51.100.4"):
    return client.post("/admin/login/?next=/admin/", {"username": "boss", "password": password},
                       REMOTE_ADDR=address)  # fmt: skip


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", "right-password-1")


def test_five_failed_logins_lock_the_user_out_from_that_address(client, boss):
    for _ in range(4):
        assert login(client, "wrong").status_code == 200
    locked = login(client, "wrong")

    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # Even the right password is refused now; another address is not locked out.
    assert login(client, "right-password-1").status_code == 429
    assert login(client, "right-password-1", address="203.0.113.9").status_code == 302


def test_axes_reset_lifts_the_lock(client, boss):
    for _ in range(5):
        login(client, "wrong")

    call_command("axes_reset", stdout=io.StringIO())

    assert login(client, "right-password-1").status_code == 302


def test_the_client_address_comes_from_the_trusted_proxy(client, boss, settings):
    settings.CRAMPS_TRUSTED_PROXIES = 1
    for n in range(5):
        # The client can forge the left part of X-Forwarded-For, never what our proxy appended.
        client.post("/admin/login/", {"username": "boss", "password": "wrong"}, REMOTE_ADDR="10.0.0.1",
                    HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 198.51.100.4")  # fmt: skip

    refused = client.post("/admin/login/", {"username": "boss", "password": "right-password-1"},
                          REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")  # fmt: skip
    allowed = client.post("/admin/login/", {"username": "boss", "password": "right-password-1"},
                          REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")  # fmt: skip

    assert refused.status_code == 429 and allowed.status_code == 302


def test_logins_without_a_request_still_work(client, boss):
    assert client.login(username="boss", password="right-password-1")
