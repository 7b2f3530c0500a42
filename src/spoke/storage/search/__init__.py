"""The search index port: the named elements of every stored version (see
``spoke.domain.symbols``), found by name and comment. ``sql.SqlSearchIndex`` keeps it in
the metadata database: PostgreSQL full text (a ``tsvector`` with a GIN index), SQLite FTS5.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from spoke.domain.symbols import Kind, Symbol


@dataclass(frozen=True)
class SearchQuery:
    """``terms``: lower-case words (``spoke.domain.symbols.query_terms``), every one of
    which must start a word of the element's name or comment. ``version`` None: the
    latest version of each module. ``public_only``: leave private modules out."""

    terms: Sequence[str]
    kind: Kind | None = None
    module: str | None = None
    version: str | None = None
    public_only: bool = False
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True)
class SearchHit:
    kind: Kind
    full_name: str
    module: str
    version: str
    file: str
    line: int
    comment: str
    public: bool


class SearchIndex(Protocol):
    """Elements of stored versions, by version. A version's entries go with it (deleted
    for good: removed; soft-deleted, of a soft-deleted module: not found)."""

    async def replace(self, module: str, version: str, symbols: Sequence[Symbol]) -> bool:
        """Make ``symbols`` the entries of ``module@version`` (in one transaction); False
        when that version is not stored (nothing is written)."""
        ...

    async def search(self, query: SearchQuery) -> list[SearchHit]:
        """The best matches first (an element whose own name is a term, then by rank,
        then by full name), from ``offset``, at most ``limit``."""
        ...

    async def unindexed(self, limit: int = 100) -> list[tuple[str, str]]:
        """Stored versions (module, version) with no entries yet: pushed before the index
        existed, or whose indexing failed."""
        ...
