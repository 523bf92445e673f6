"""Site search (``cramps.search``) through ``/search/``, on SQLite (FTS5) and PostgreSQL."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cramps.models import Article, Status
from cramps.search import RESULTS_PER_PAGE, SEARCH_MAX_LENGTH
from cramps.search.index import INDEXES, search_index_ensure
from references.models import Reference

from .factories import make_article, make_nutrient, make_reference

pytestmark = pytest.mark.django_db


def result_titles(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<h2><a href="[^"]*">([^<]*)</a></h2>', html)


def search(client, q: str, **params):
    return client.get(reverse("search"), {"q": q, **params})


def test_a_title_match_ranks_above_body_matches(client):
    make_article(
        title="Sleep and rest", body="Quinine quinine quinine is discussed at length. Quinine again."
    )
    make_article(title="Quinine for night cramps", body="Nothing else.")
    make_article(title="Unrelated", body="Nothing about it.")
    response = search(client, "quinine")
    assert response.status_code == 200
    assert result_titles(response) == ["Quinine for night cramps", "Sleep and rest"]


def test_words_are_stemmed_and_all_must_match(client):
    make_article(title="Leg cramping at night", body="Text.")
    make_article(title="Leg pain", body="Text.")
    assert result_titles(search(client, "night cramps")) == ["Leg cramping at night"]


def test_a_nutrient_is_found_by_an_alias_before_references(client):
    make_nutrient(title="Vitamin B12", aliases="cobalamin, cyanocobalamin")
    make_reference(title="Cobalamin deficiency in older adults")
    make_nutrient(title="Zinc", aliases="Zn")
    assert result_titles(search(client, "cobalamin")) == [
        "Vitamin B12",
        "Cobalamin deficiency in older adults",
    ]


def test_references_are_found_by_author_pmid_and_doi(client):
    rude = make_reference(title="Magnesium deficiency", authors=[{"family": "Rude", "given": "R. K."}],
                          pmid="9718420", doi="10.1359/jbmr.1998.13.4.749")  # fmt: skip
    make_reference(title="Another study", pmid="12345678", doi="10.1000/other")
    assert result_titles(search(client, "Rude")) == [rude.title]
    assert result_titles(search(client, "9718420")) == [rude.title]
    assert result_titles(search(client, "PMID: 9718420")) == [rude.title]
    assert result_titles(search(client, "https://doi.org/10.1359/JBMR.1998.13.4.749")) == [rude.title]
    assert "PMID 9718420" in search(client, "rude").content.decode()


def test_only_pages_the_visitor_may_see(staff_client):
    make_article(title="Potassium and cramps", status=Status.DRAFT)
    make_nutrient(title="Potassium", status=Status.REVIEW)
    make_article(title="Potassium published")
    assert result_titles(search(Client(), "potassium")) == ["Potassium published"]
    assert set(result_titles(search(staff_client, "potassium"))) == {
        "Potassium and cramps", "Potassium", "Potassium published"
    }  # fmt: skip


def test_snippets_highlight_the_words_escaped_and_without_markup(client):
    make_article(title="Diet", body="## Food\n\nEat <b>greens</b> and **spinach** often [@nobody2000].")
    html = search(client, "spinach").content.decode()
    snippet = re.search(r'<p class="search-snippet">(.*?)</p>', html, re.S)[1]
    assert "<mark>spinach</mark>" in snippet
    assert (
        "<b>" not in snippet and "**" not in snippet and "@nobody2000" not in snippet and "##" not in snippet
    )


def test_results_are_paginated(client):
    for n in range(RESULTS_PER_PAGE + 3):
        make_article(title=f"Sodium note {n:02}")
    first = search(client, "sodium")
    assert len(result_titles(first)) == RESULTS_PER_PAGE
    assert f"{RESULTS_PER_PAGE + 3} results" in first.content.decode()
    assert 'rel="next"' in first.content.decode()
    second = search(client, "sodium", page=2)
    assert len(result_titles(second)) == 3
    assert not set(result_titles(first)) & set(result_titles(second))
    assert search(client, "sodium", page="nonsense").status_code == 200


def test_an_empty_query_shows_the_form(client):
    make_article(title="Calcium")
    response = search(client, "")
    assert response.status_code == 200
    assert result_titles(response) == []
    assert 'name="q"' in response.content.decode()
    assert "Type a word" in search(client, "?!").content.decode()


def test_a_very_long_query_is_refused_with_a_message(client):
    make_article(title="Calcium")
    response = search(client, "calcium " * 100)
    assert response.status_code == 400
    assert f"at most {SEARCH_MAX_LENGTH} characters" in response.content.decode()
    assert result_titles(response) == []


def test_control_characters_never_reach_the_database(client):
    make_article(title="Calcium")
    assert result_titles(search(client, "\x00calcium\x1f")) == ["Calcium"]


def test_many_words_are_capped_with_a_note(client):
    make_article(title="Calcium")
    response = search(client, " ".join(["calcium"] * 12))
    assert response.status_code == 200
    assert result_titles(response) == ["Calcium"]
    assert "Only the first" in response.content.decode()


def test_fts_syntax_in_a_query_is_just_words(client):
    make_article(title="Iron and fatigue")
    for query in [
        'iron"',
        "iron AND",
        "iron OR -x",
        "{title}: iron",
        "iron*",
        "NEAR(iron",
        "iron:A & _ | x_y ½ é",
    ]:
        response = search(client, query)
        assert response.status_code == 200, query


def test_the_index_follows_every_way_of_writing(client):
    article = make_article(title="Selenium")
    Article.objects.filter(pk=article.pk).update(title="Chromium")
    assert result_titles(search(client, "selenium")) == []
    assert result_titles(search(client, "chromium")) == ["Chromium"]
    Reference.objects.bulk_create([Reference(key="bulk1", title="Taurine and cramps", authors_text="Bulk A")])
    assert result_titles(search(client, "taurine")) == ["Taurine and cramps"]
    Article.objects.filter(pk=article.pk).delete()
    assert result_titles(search(client, "chromium")) == []


def test_a_search_box_on_every_page(client):
    make_article(title="Calcium", slug="calcium")
    for url in ("/", "/articles/", "/articles/calcium/", "/references/"):
        assert 'action="/search/"' in client.get(url).content.decode(), url


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its index with triggers")
def test_lost_sqlite_triggers_are_restored_and_the_index_refilled(client):
    """A migration that rebuilds a table drops its triggers; ``migrate`` puts them back."""
    index = INDEXES["article"]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {index.fts_table}_insert")
    make_article(title="Written while the trigger was gone")
    assert search_index_ensure(connection) == [index.table]
    assert search_index_ensure(connection) == []
    assert result_titles(search(client, "trigger gone")) == ["Written while the trigger was gone"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL keeps its vectors with triggers")
def test_a_later_migration_may_change_a_searched_columns_type(client):
    """No generated column pins the types of the columns the vector reads (PostgreSQL refuses
    ``ALTER COLUMN TYPE`` on those); the trigger keeps working after the change."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE cramps_nutrient ALTER COLUMN aliases TYPE varchar(400)")
    assert search_index_ensure(connection) == []
    make_nutrient(title="Vitamin B1", aliases="thiamine")
    assert result_titles(search(client, "thiamine")) == ["Vitamin B1"]
