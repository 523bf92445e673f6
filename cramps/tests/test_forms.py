"""The article and nutrient change forms: no lost edit, and the workflow's rules on status and review."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cramps.citing import citations_sync
from cramps.models import Article, Citation, Nutrient, Status, Transition

from .factories import make_article, make_nutrient, make_reference, make_user
from .html_forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def opened(client: Client, document) -> dict:
    """The change form as an editor's browser holds it after opening the page."""
    kind = type(document)._meta.model_name
    page = client.get(f"/admin/cramps/{kind}/{document.pk}/change/").content.decode()
    return form_data(page, f"{kind}_form")


def save(client: Client, document, data: dict):
    return client.post(f"/admin/cramps/{type(document)._meta.model_name}/{document.pk}/change/", data)


def editors():
    first, second = Client(), Client()
    first.force_login(make_user("alice", "Writer"))
    second.force_login(make_user("bob", "Writer"))
    return first, second


def test_an_unchanged_form_saves(committed):
    article = make_article(
        title="Night cramps", status=Status.DRAFT, key_points=["One."], faqs=[("Q?", "A.")]
    )
    alice, _ = editors()

    response = save(alice, article, opened(alice, article))

    assert response.status_code == 302, response.content.decode()[:3000]


def test_the_second_save_is_refused_showing_what_changed_and_keeping_both_texts(committed):
    with committed():
        article = make_article(
            title="Night cramps", body="Original body.", status=Status.DRAFT, key_points=["One."]
        )
    alice, bob = editors()
    alices, bobs = opened(alice, article), opened(bob, article)

    with committed():
        assert save(alice, article, alices | {"body": "Alice's body."}).status_code == 302
    refused = save(bob, article, bobs | {"body": "Bob's body.", "title": "Bob's title"})

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "alice changed this page at" in page
    assert "your text is still in the form" in page
    assert "Changed meanwhile by alice" in page
    assert "<del>Original</del><ins>Alice&#x27;s</ins> body." in page
    kept = form_data(page, "article_form")
    assert (kept["body"], kept["title"]) == ("Bob's body.", "Bob's title")
    assert Article.objects.get(pk=article.pk).body == "Alice's body."

    # Having seen Alice's change, Bob saves again on purpose: his version is kept.
    assert save(bob, article, kept).status_code == 302
    assert (Article.objects.get(pk=article.pk).body, Article.objects.get(pk=article.pk).title) == (
        "Bob's body.", "Bob's title")  # fmt: skip


def test_rows_deleted_meanwhile_do_not_fail_invisibly():
    article = make_article(title="Rows", status=Status.DRAFT, key_points=["Keep me.", "Second."])
    alice, bob = editors()
    bobs = opened(bob, article)
    Article.objects.get(pk=article.pk).key_points.all().delete()  # someone removed every row meanwhile

    refused = save(bob, article, bobs | {"key_points-0-text": "Keep me, edited."})
    assert "changed this page at" in refused.content.decode()
    response = save(bob, article, form_data(refused.content.decode(), "article_form"))

    assert response.status_code == 302, response.content.decode()
    assert [p.text for p in Article.objects.get(pk=article.pk).key_points.all()] == [
        "Keep me, edited.",
        "Second.",
    ]


def test_citations_changed_meanwhile_never_fail_invisibly():
    one, two = make_reference(key="one2001"), make_reference(key="two2002")
    article = make_article(title="Cited", body="[@one2001] then [@two2002].", status=Status.DRAFT)
    _, bob = editors()
    bobs = opened(bob, article)
    Citation.objects.filter(object_id=article.pk).delete()  # rows rebuilt elsewhere, with new ids
    citations_sync(document=Article.objects.get(pk=article.pk))

    response = save(bob, article, bobs | {"body": "[@two2002] first now, then [@one2001]."})

    assert response.status_code == 302, response.content.decode()
    assert [c.reference_id for c in Citation.objects.filter(object_id=article.pk).order_by("number")] == [
        two.pk,
        one.pk,
    ]


def test_a_writer_cannot_publish_through_the_status_field():
    article = make_article(title="Draft", status=Status.REVIEW)
    alice, _ = editors()

    response = save(alice, article, opened(alice, article) | {"status": Status.PUBLISHED, "title": "Changed"})

    assert response.status_code == 200
    assert "it needs the Publisher role" in response.content.decode()
    assert Article.objects.get(pk=article.pk).title == "Draft"
    assert Article.objects.get(pk=article.pk).status == Status.REVIEW


def test_a_writer_submits_for_review_through_the_status_field():
    article = make_article(title="Draft", status=Status.DRAFT)
    alice, _ = editors()

    assert save(alice, article, opened(alice, article) | {"status": Status.REVIEW}).status_code == 302

    assert Article.objects.get(pk=article.pk).status == Status.REVIEW
    assert [(t.action, t.actor) for t in Transition.objects.all()] == [("submitted", "alice")]


def test_review_fields_are_read_only_without_the_review_permission():
    nutrient = make_nutrient(title="Zinc", status=Status.DRAFT)
    alice, _ = editors()
    reviewer = Client()
    reviewer.force_login(make_user("rita", "Medical reviewer"))

    shown = opened(alice, nutrient)
    assert "medical_reviewer" not in shown and "publish_at_0" not in shown
    save(alice, nutrient, shown | {"medical_reviewer": "Forged", "reviewed_on": "2026-01-01"})
    assert Nutrient.objects.get(pk=nutrient.pk).medical_reviewer == ""

    data = opened(reviewer, nutrient) | {"medical_reviewer": "Dr R, MD", "reviewed_on": "2026-01-02"}
    assert save(reviewer, nutrient, data).status_code == 302
    nutrient.refresh_from_db()
    assert (nutrient.medical_reviewer, str(nutrient.reviewed_on)) == ("Dr R, MD", "2026-01-02")


def test_a_publisher_schedules_through_the_change_form():
    article = make_article(title="Soon", status=Status.REVIEW)
    publisher = Client()
    publisher.force_login(make_user("pat", "Publisher"))
    later = timezone.localtime() + timedelta(days=3)

    data = opened(publisher, article) | {"status": Status.PUBLISHED, "publish_at_0": later.strftime("%Y-%m-%d"),
                                          "publish_at_1": later.strftime("%H:%M:%S")}  # fmt: skip
    assert save(publisher, article, data).status_code == 302

    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert Article.objects.get(pk=article.pk).publish_at > timezone.now()
    assert [t.action for t in Transition.objects.all()] == ["scheduled"]


def test_line_endings_posted_by_a_browser_change_nothing(committed):
    with committed():
        article = make_article(title="Lines", body="## One\n\nTwo.\nThree.", status=Status.DRAFT,
                               faqs=[("Q?", "Line one.\nLine two.")])  # fmt: skip
    alice, _ = editors()
    data = opened(alice, article)
    data = {
        name: value.replace("\n", "\r\n") if isinstance(value, str) else value for name, value in data.items()
    }
    before = Article.objects.get(pk=article.pk).updated

    with committed():
        assert save(alice, article, data).status_code == 302

    assert Article.objects.get(pk=article.pk).updated == before
    assert Article.objects.get(pk=article.pk).body == "## One\n\nTwo.\nThree."


def test_a_publisher_saving_a_published_page_unchanged_takes_no_step():
    article = make_article(title="Live", publish_at=timezone.now() - timedelta(minutes=5, microseconds=1234))
    publisher = Client()
    publisher.force_login(make_user("pat", "Publisher"))

    assert save(publisher, article, opened(publisher, article) | {"title": "Live, edited"}).status_code == 302

    assert not Transition.objects.exists()
    assert Article.objects.get(pk=article.pk).is_public


def test_a_writer_sees_why_a_published_page_is_read_only():
    article = make_article(title="Live")
    alice, _ = editors()

    page = alice.get(f"/admin/cramps/article/{article.pk}/change/").content.decode()

    assert "only a Publisher may change it" in page
    assert 'name="title"' not in page
