"""The read-replica router: reads to the replica unless they must see the latest rows."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.signals import request_started
from django.db import transaction

from cramps.dbrouter import PrimaryReplicaRouter, primary_reads
from cramps.models import Article

ROOT = Path(__file__).resolve().parents[2]


def next_request(django_db_blocker) -> None:
    with django_db_blocker.unblock():  # Django closes stale connections as a request starts
        request_started.send(sender=None)


@pytest.fixture
def router(django_db_blocker):
    router = PrimaryReplicaRouter()
    next_request(django_db_blocker)
    return router


def test_reads_go_to_the_replica_and_writes_to_the_primary(router):
    assert router.db_for_read(Article) == "replica"
    assert router.db_for_write(Article) == "default"


def test_after_a_write_the_request_reads_its_own_writes_until_the_next_request(router, django_db_blocker):
    router.db_for_write(Article)
    assert router.db_for_read(Article) == "default"

    next_request(django_db_blocker)
    assert router.db_for_read(Article) == "replica"


@pytest.mark.django_db(transaction=True)
def test_primary_reads_and_transactions_read_the_primary(router):
    with primary_reads():
        assert router.db_for_read(Article) == "default"
    assert router.db_for_read(Article) == "replica"
    with transaction.atomic():
        assert router.db_for_read(Article) == "default"


def test_only_the_primary_is_migrated(router):
    assert router.allow_migrate("default", "cramps") and not router.allow_migrate("replica", "cramps")


def test_settings_turn_on_the_replica_and_object_storage():
    script = (
        "import json; from django.conf import settings as s; print(json.dumps([s.DATABASES['replica']['HOST'], "
        "s.DATABASES['replica']['TEST'], s.DATABASE_ROUTERS, s.STORAGES['default']]))"
    )
    environment = {
        **os.environ,
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": "postgres://app@primary.internal:5432/cramps",
        "DATABASE_REPLICA_URL": "postgres://app@replica.internal:5432/cramps",
        "CRAMPS_S3_BUCKET": "cramps-handouts",
    }
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=60)  # fmt: skip

    host, test, routers, storage = json.loads(result.stdout.strip().splitlines()[-1])
    assert (host, test["MIRROR"]) == ("replica.internal", "default")
    assert routers == ["cramps.dbrouter.PrimaryReplicaRouter"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "cramps-handouts"
