"""The full-text indexes behind site search, kept in step by the database itself.

Every way a row changes (``save()``, ``bulk_create``, ``update()``, imports, ``loaddata``, raw
SQL) goes through the database, so the database keeps the index, not Python:

- PostgreSQL: a ``search_vector`` column (weighted ``tsvector``: A for titles and other names,
  B for summaries, C for bodies, D for the rest) with a GIN index, set by a ``BEFORE INSERT OR
  UPDATE`` trigger. Not a generated column: PostgreSQL refuses to alter the type of a column a
  generated column reads, so every later migration changing, say, a title's ``max_length``
  would fail; a trigger function's body creates no such dependency.
- SQLite: an FTS5 table per model (``<table>_search``; columns ``title``, ``names``, ``text``)
  filled by triggers on insert, update and delete.

The columns and tables are not model fields: Django never writes them. ``search_index_ensure``
creates whatever is missing (migration 0009, and after every ``migrate``, because SQLite
rebuilds a table to alter it, which drops its triggers) and refills an index it had to create.
"""

from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

# Text search configuration (PostgreSQL) and tokenizer (SQLite): English stemming, so that
# "cramp" finds "cramps"; accents folded on SQLite.
PG_CONFIG = "english"
FTS5_TOKENIZE = "porter unicode61 remove_diacritics 2"


@dataclass(frozen=True)
class Index:
    """What of one table is searched, and how strongly each part counts."""

    table: str
    title: str  # SQL: the title (weight A)
    names: str  # SQL: other names of the same thing: aliases, PMID (A); authors (B)
    text: str  # SQL: summary (B) and body (C)
    pg_parts: tuple[tuple[str, str], ...]  # (column, weight) of the PostgreSQL vector

    def pg_vector(self, row: str = "") -> str:
        """SQL of the weighted tsvector of ``row`` ("NEW." in a trigger, "" for the table's own)."""
        return " || ".join(
            f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, coalesce({row}{column}, '')), '{weight}')"
            for column, weight in self.pg_parts
        )

    @property
    def fts_table(self) -> str:
        return f"{self.table}_search"


INDEXES = {
    "article": Index(
        table="cramps_article",
        title="title",
        names="''",
        text="summary || ' ' || body",
        pg_parts=(("title", "A"), ("summary", "B"), ("body", "C")),
    ),
    "nutrient": Index(
        table="cramps_nutrient",
        title="title",
        names="aliases",
        text="summary || ' ' || body || ' ' || evidence_rationale",
        pg_parts=(
            ("title", "A"),
            ("aliases", "A"),
            ("summary", "B"),
            ("body", "C"),
            ("evidence_rationale", "C"),
        ),
    ),
    "reference": Index(
        table="references_reference",
        title="title",
        names="authors_text || ' ' || pmid",
        text="container_title || ' ' || abstract",
        pg_parts=(
            ("title", "A"),
            ("pmid", "A"),
            ("authors_text", "A"),
            ("container_title", "D"),
            ("abstract", "D"),
        ),
    ),
}


def search_index_ensure(connection: BaseDatabaseWrapper) -> list[str]:
    """Create the missing search columns, indexes, tables and triggers; the tables (re)indexed."""
    if connection.vendor == "postgresql":
        return [index.table for index in INDEXES.values() if _pg_ensure(connection, index)]
    if connection.vendor == "sqlite":
        return [index.table for index in INDEXES.values() if _sqlite_ensure(connection, index)]
    return []


def search_index_drop(connection: BaseDatabaseWrapper) -> None:
    """Undo ``search_index_ensure`` (migrating backwards)."""
    with connection.cursor() as cursor:
        for index in INDEXES.values():
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {index.table}_search ON {index.table}")
                cursor.execute(f"DROP FUNCTION IF EXISTS {index.table}_search_vector()")
                cursor.execute(f"ALTER TABLE {index.table} DROP COLUMN IF EXISTS search_vector")
            elif connection.vendor == "sqlite":
                for event in ("insert", "update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {index.fts_table}_{event}")
                cursor.execute(f"DROP TABLE IF EXISTS {index.fts_table}")


def _pg_ensure(connection: BaseDatabaseWrapper, index: Index) -> bool:
    table = index.table
    unchanged = " AND ".join(
        f"NEW.{column} IS NOT DISTINCT FROM OLD.{column}" for column, _ in index.pg_parts
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND column_name = 'search_vector'",
            [table],
        )
        created = cursor.fetchone() is None
        if created:
            cursor.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector")
        # The function always reads the columns ``INDEXES`` names now: replaced when it differs.
        # Only what is missing or different is written: DDL on a table with pending trigger events
        # (a migrate run inside a transaction that wrote rows) is refused by PostgreSQL.
        body = (
            f" BEGIN IF TG_OP = 'UPDATE' AND {unchanged} THEN RETURN NEW; END IF; "
            f"NEW.search_vector := {index.pg_vector('NEW.')}; RETURN NEW; END "
        )
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [f"{table}_search_vector"])
        if (row := cursor.fetchone()) is None or row[0] != body:
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {table}_search_vector() RETURNS trigger LANGUAGE plpgsql "
                f"AS $${body}$$"
            )
        cursor.execute(
            "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
            [f"{table}_search", table],
        )
        if cursor.fetchone() is None:
            cursor.execute(
                f"CREATE TRIGGER {table}_search BEFORE INSERT OR UPDATE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_search_vector()"
            )
        if created:
            cursor.execute(f"UPDATE {table} SET search_vector = {index.pg_vector()}")
        # No pending list: rows written in bulk are searchable through the index at once, and the
        # planner never prefers reading every row's vector to an index it thinks untidy.
        cursor.execute(
            "SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = %s",
            [f"{table}_search_gin"],
        )
        if cursor.fetchone() is None:
            cursor.execute(
                f"CREATE INDEX {table}_search_gin ON {table} USING gin (search_vector) WITH (fastupdate = off)"
            )
    return created


def _sqlite_ensure(connection: BaseDatabaseWrapper, index: Index) -> bool:
    fts = index.fts_table
    new_row = f"new.id, new.{index.title}, {_prefixed(index.names)}, {_prefixed(index.text)}"
    statements = {
        fts: f"CREATE VIRTUAL TABLE {fts} USING fts5(title, names, text, tokenize='{FTS5_TOKENIZE}')",
        f"{fts}_insert": f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {index.table} BEGIN "
        f"INSERT INTO {fts}(rowid, title, names, text) VALUES ({new_row}); END",
        f"{fts}_update": f"CREATE TRIGGER {fts}_update AFTER UPDATE ON {index.table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.id; "
        f"INSERT INTO {fts}(rowid, title, names, text) VALUES ({new_row}); END",
        f"{fts}_delete": f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {index.table} BEGIN "
        f"DELETE FROM {fts} WHERE rowid = old.id; END",
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {row[0] for row in cursor.fetchall()}
        missing = [name for name in statements if name not in present]
        for name in missing:
            cursor.execute(statements[name])
        if missing:
            # Rows written while a trigger was missing (a table rebuilt by a migration) are indexed again.
            cursor.execute(f"DELETE FROM {fts}")
            cursor.execute(
                f"INSERT INTO {fts}(rowid, title, names, text) "
                f"SELECT id, {index.title}, {index.names}, {index.text} FROM {index.table}"
            )
    return bool(missing)


def _prefixed(expression: str) -> str:
    """``summary || ' ' || body`` → ``new.summary || ' ' || new.body`` (for trigger bodies)."""
    return " || ".join(part if part.startswith("'") else f"new.{part}" for part in expression.split(" || "))
