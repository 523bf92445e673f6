"""Indexes for pages at scale: titles (lists page A–Z) and, on PostgreSQL, trigram indexes for
the reference search (``Reference.objects.search``).

The search matches each word with ``icontains`` on four columns, which Django writes as
``UPPER(column::text) LIKE UPPER(%s)``: a GIN index over the same expression with
``gin_trgm_ops`` serves it. Other databases scan, which is fine at their sizes. In ``cramps``
because ``references`` stays free of database-specific operations; it only adds indexes.
"""

from django.db import migrations, models

COLUMNS = ("key", "title", "container_title", "authors_text")


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def create(apps, schema_editor) -> None:
    if not _postgres(schema_editor):
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS references_reference_{column}_trgm "
            f'ON references_reference USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor) -> None:
    if not _postgres(schema_editor):
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS references_reference_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("cramps", "0010_about_page"),
        ("references", "0004_reference_study_summary"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="article", index=models.Index(fields=["title"], name="cramps_article_title")
        ),
        migrations.AddIndex(
            model_name="nutrient", index=models.Index(fields=["title"], name="cramps_nutrient_title")
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
