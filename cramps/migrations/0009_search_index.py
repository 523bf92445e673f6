"""Full-text search indexes for articles, nutrients and references (``cramps.search.index``).

Database objects Django does not model: a ``tsvector`` column kept by a trigger, with a GIN
index, on PostgreSQL; FTS5 tables kept by triggers on SQLite. Nothing on other databases.
"""

from django.db import migrations


def create(apps, schema_editor):
    from cramps.search.index import search_index_ensure

    search_index_ensure(schema_editor.connection)


def drop(apps, schema_editor):
    from cramps.search.index import search_index_drop

    search_index_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("cramps", "0008_nutrient_facts"),
        ("references", "0004_reference_study_summary"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
