"""The SQLite side of the search index: an FTS5 table over ``search_entries`` (external
content: the text is stored once, in ``search_entries``), kept in step by triggers.

Made by migration 0008; a SQLite dump leaves it out (``iterdump`` cannot restore a virtual
table's shadow tables) and recreates it at the end, rebuilt from ``search_entries``."""

from __future__ import annotations

#: The statements that make the FTS table and its triggers, in order.
CREATE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5("
    "words, comment, content='search_entries', content_rowid='id')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, words, comment) VALUES (new.id, new.words, new.comment); "
    "END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, words, comment) "
    "VALUES ('delete', old.id, old.words, old.comment); END",
)
#: Fills the FTS table from ``search_entries`` (after a restore).
REBUILD = "INSERT INTO search_fts(search_fts) VALUES ('rebuild')"
DROP = (
    "DROP TRIGGER IF EXISTS search_entries_ad",
    "DROP TRIGGER IF EXISTS search_entries_ai",
    "DROP TABLE IF EXISTS search_fts",
)


def is_fts_dump_statement(statement: str) -> bool:
    """Whether a statement of ``sqlite3.Connection.iterdump`` is about the FTS table (its
    shadow tables, its ``sqlite_master`` row, its triggers): left out of dumps."""
    return (
        statement.startswith(("CREATE TABLE 'search_fts", 'INSERT INTO "search_fts'))
        or statement.startswith("CREATE TRIGGER search_entries_")
        or (statement.startswith("INSERT INTO sqlite_master") and "'search_fts'" in statement)
    )


def restore_statements() -> list[str]:
    return [*CREATE, REBUILD]
