"""One trigram index for the reference search, on PostgreSQL, in place of 0011's four.

The search now matches each word with ``icontains`` on one expression, the key, title, journal
and authors joined by spaces (``references.models.SearchText``), which Django writes as
``UPPER((…)::text) LIKE UPPER(%s)``. This index is on that very expression, so one bitmap
index scan answers a word; with one index a column, the planner had to add four scans up
and, at 50,000 references, sometimes judged a sequential scan cheaper (about 190 ms a page).
The SQL below must stay the same as ``SearchText``'s: ``test_reference_search_plan`` checks
that the planner uses this index.

Without a pending list (``fastupdate = off``, as the site search's index in 0009): rows written
in bulk (an import, ``make_scale_data``) are in the index at once, not in a list every search
reads through until the next vacuum, which makes the planner price the index above a scan.
"""

from django.db import migrations

OLD_COLUMNS = ("key", "title", "container_title", "authors_text")
NAME = "references_reference_search_trgm"
EXPRESSION = """UPPER(("key" || ' ' || "title" || ' ' || "container_title" || ' ' || "authors_text")::text)"""


def _postgres(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def _column_indexes(schema_editor, *, create: bool) -> None:
    for column in OLD_COLUMNS:
        if create:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS references_reference_{column}_trgm "
                f'ON references_reference USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )
        else:
            schema_editor.execute(f"DROP INDEX IF EXISTS references_reference_{column}_trgm")


def forwards(apps, schema_editor) -> None:
    if not _postgres(schema_editor):
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON references_reference "
        f"USING gin (({EXPRESSION}) gin_trgm_ops) WITH (fastupdate = off)"
    )
    _column_indexes(schema_editor, create=False)


def backwards(apps, schema_editor) -> None:
    if not _postgres(schema_editor):
        return
    _column_indexes(schema_editor, create=True)
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("cramps", "0012_page_body"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
