"""``cramps.workflow``: each step needs its permission, is recorded, and publishing tells listeners."""

from datetime import date, timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.utils import timezone

from cramps.models import Article, Status, Transition, TransitionAction
from cramps.signals import document_published
from cramps.workflow import TransitionRefused, document_transition, may_edit, transition_steps

from .factories import make_article, make_nutrient, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    return {
        "writer": make_user("writer", "Writer"),
        "reviewer": make_user("reviewer", "Medical reviewer"),
        "publisher": make_user("publisher", "Publisher"),
    }


@pytest.fixture
def published_signals():
    sent = []

    def listener(sender, document, **kwargs):
        sent.append(document)

    document_published.connect(listener)
    yield sent
    document_published.disconnect(listener)


def test_a_writer_submits_a_draft_and_the_step_is_recorded(users):
    draft = make_article(title="Draft", status=Status.DRAFT)

    records = document_transition(document=draft, user=users["writer"], status=Status.REVIEW)

    draft.refresh_from_db()
    assert draft.status == Status.REVIEW
    assert [(r.action, r.actor, r.user) for r in records] == [
        (TransitionAction.SUBMITTED, "writer", users["writer"])
    ]
    assert list(Transition.objects.values_list("action", flat=True)) == ["submitted"]
    entry = LogEntry.objects.get()
    assert (entry.user, entry.object_id, entry.change_message) == (
        users["writer"],
        str(draft.pk),
        "Submitted for review",
    )


@pytest.mark.parametrize("role", ["writer", "reviewer"])
def test_only_a_publisher_publishes(users, role, published_signals, django_capture_on_commit_callbacks):
    page = make_article(title="In review", status=Status.REVIEW)

    with pytest.raises(TransitionRefused, match="needs the Publisher role"):
        document_transition(document=page, user=users[role], status=Status.PUBLISHED)
    assert Article.objects.get(pk=page.pk).status == Status.REVIEW
    assert not Transition.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        document_transition(document=page, user=users["publisher"], status=Status.PUBLISHED)
    assert Article.objects.get(pk=page.pk).is_public
    assert published_signals == [page]


def test_publishing_is_announced_only_after_commit(
    users, published_signals, django_capture_on_commit_callbacks
):
    page = make_nutrient(title="Zinc", status=Status.DRAFT)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document_transition(document=page, user=users["publisher"], status=Status.PUBLISHED)

    assert published_signals == []
    assert len(callbacks) >= 1


def test_scheduling_is_not_announced_as_published(
    users, published_signals, django_capture_on_commit_callbacks
):
    page = make_article(title="Soon", status=Status.DRAFT)
    later = timezone.now() + timedelta(days=2)

    with django_capture_on_commit_callbacks(execute=True):
        records = document_transition(
            document=page, user=users["publisher"], status=Status.PUBLISHED, publish_at=later
        )

    assert records[0].action == TransitionAction.SCHEDULED
    assert records[0].detail.startswith("for ")
    assert published_signals == []
    assert not Article.objects.published().filter(pk=page.pk).exists()


def test_only_a_medical_reviewer_records_the_review(users):
    page = make_nutrient(title="Magnesium", status=Status.REVIEW)

    for role in ("writer", "publisher"):
        with pytest.raises(TransitionRefused, match="needs the Medical reviewer role") as refused:
            document_transition(
                document=page, user=users[role], medical_reviewer="Dr A", reviewed_on=date(2026, 1, 2)
            )
        assert refused.value.field == "medical_reviewer"
    records = document_transition(
        document=page, user=users["reviewer"], medical_reviewer="Dr A, MD", reviewed_on=date(2026, 1, 2)
    )

    page.refresh_from_db()
    assert (page.medical_reviewer, page.reviewed_on) == ("Dr A, MD", date(2026, 1, 2))
    assert [(r.action, r.detail) for r in records] == [
        (TransitionAction.REVIEWED, "by Dr A, MD on 2 January 2026")
    ]


def test_unpublishing_and_sending_a_published_page_back_to_review_need_the_publisher(users):
    page = make_article(title="Live")

    with pytest.raises(TransitionRefused):
        document_transition(document=page, user=users["writer"], status=Status.REVIEW)
    records = document_transition(
        document=page, user=users["publisher"], status=Status.DRAFT, publish_at=None
    )

    assert records[0].action == TransitionAction.UNPUBLISHED
    assert Article.objects.get(pk=page.pk).status == Status.DRAFT


def test_publishing_refuses_unknown_citation_keys(users):
    page = make_article(title="Broken", status=Status.DRAFT)
    Article.objects.filter(pk=page.pk).update(body="Claim [@nobody2000].")
    page.refresh_from_db()

    with pytest.raises(TransitionRefused, match=r"broken citations \(body: unknown key @nobody2000\)"):
        document_transition(document=page, user=users["publisher"], status=Status.PUBLISHED)
    assert Article.objects.get(pk=page.pk).status == Status.DRAFT


def test_the_system_may_take_any_step():
    page = make_article(title="By command", status=Status.DRAFT)

    records = document_transition(document=page, user=None, status=Status.PUBLISHED)

    assert records[0].actor == "system"
    assert not LogEntry.objects.exists()  # the admin log needs a user


def test_no_step_when_nothing_changes(users):
    page = make_article(title="Same", status=Status.REVIEW)

    assert transition_steps(document=page, status=Status.REVIEW) == []
    assert document_transition(document=page, user=users["writer"], status=Status.REVIEW) == []
    assert not Transition.objects.exists()


def test_live_pages_are_edited_only_by_publishers(users):
    live, scheduled = make_article(), make_article(publish_at=timezone.now() + timedelta(days=1))
    draft = make_article(status=Status.DRAFT)

    assert not may_edit(users["writer"], live) and not may_edit(users["writer"], scheduled)
    assert may_edit(users["writer"], draft)
    assert may_edit(users["publisher"], live) and may_edit(None, live)
