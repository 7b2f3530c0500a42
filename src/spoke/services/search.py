"""Search over the registry's schemas: each version's named elements are indexed when it
is pushed (``index``), or later by ``reindex`` (versions pushed before the index existed,
or whose indexing failed: ``spoke admin reindex``); ``search`` finds them for one caller."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from spoke.domain.errors import InvalidArgument
from spoke.domain.models import ModuleVersion
from spoke.domain.names import validate_module_name
from spoke.domain.paths import is_proto
from spoke.domain.schema import Schema
from spoke.domain.symbols import Kind, Symbol, query_terms, symbols
from spoke.domain.versions import Version
from spoke.services.schemas import SchemaCompiler
from spoke.services.visibility import EVERYTHING, ReadScope
from spoke.storage.metadata import MetadataStore
from spoke.storage.search import SearchHit, SearchIndex, SearchQuery

log = structlog.get_logger(__name__)

#: The longest query accepted, in characters.
MAX_QUERY = 200
#: How deep pages may go (offset): past this, refine the query.
MAX_OFFSET = 10_000


@dataclass(frozen=True)
class SearchRequest:
    q: str
    kind: str | None = None
    module: str | None = None
    version: str | None = None


class SearchService:
    def __init__(
        self, metadata: MetadataStore, index: SearchIndex, schemas: SchemaCompiler
    ) -> None:
        self._metadata = metadata
        self._index = index
        self._schemas = schemas

    async def index(self, version: ModuleVersion, schema: Schema) -> None:
        """Index a stored version from its compiled schema (targets: the version's own
        files): its module, packages and every element of its own files."""
        module = await self._metadata.get_module(version.module)
        found = [Symbol(Kind.MODULE, version.module, "", 0, module.description), *symbols(schema)]
        await self._index.replace(version.module, version.version, found)

    async def index_pushed(self, version: ModuleVersion, descriptor_set: bytes) -> None:
        """``index`` a version a push has just committed, from protoc's descriptor set: a
        failure is logged, not raised (the push succeeded; ``reindex`` retries)."""
        try:
            targets = [entry.path for entry in version.files if is_proto(entry.path)]
            await self.index(version, Schema(descriptor_set, targets=targets))
        except Exception:
            log.warning(
                "search indexing failed; `spoke admin reindex` will retry",
                module=version.module,
                version=version.version,
                exc_info=True,
            )

    async def reindex(self, batch: int = 100) -> int:
        """Index every stored version that has no entries yet; how many were indexed. A
        version that cannot be compiled any more is logged and left out."""
        done = 0
        failed: set[tuple[str, str]] = set()
        while True:
            pending = [
                p for p in await self._index.unindexed(batch + len(failed)) if p not in failed
            ]
            if not pending:
                return done
            for module, ref in pending:
                try:
                    version, schema = await self._schemas.of_version(module, ref, scope=EVERYTHING)
                    await self.index(version, schema)
                    done += 1
                except Exception:
                    log.warning("cannot index", module=module, version=ref, exc_info=True)
                    failed.add((module, ref))

    async def search(
        self,
        request: SearchRequest,
        scope: ReadScope,
        *,
        public_only: bool,
        offset: int,
        limit: int,
    ) -> tuple[list[SearchHit], bool]:
        """One page of hits the caller may read (``scope``; ``public_only`` leaves private
        modules out in the query itself), and whether more may follow. A page filtered
        for the caller may hold fewer than ``limit`` hits."""
        query = _validated(request)
        if offset > MAX_OFFSET:
            raise InvalidArgument(f"search pages end at {MAX_OFFSET} results: refine the query")
        found = await self._index.search(
            SearchQuery(
                terms=query.terms,
                kind=query.kind,
                module=query.module,
                version=query.version,
                public_only=public_only,
                offset=offset,
                limit=limit + 1,
            )
        )
        readable: dict[str, bool] = {}
        hits: list[SearchHit] = []
        for hit in found[:limit]:
            if hit.module not in readable:
                readable[hit.module] = await scope.may_read(hit.module)
            if readable[hit.module]:
                hits.append(hit)
        return hits, len(found) > limit


def _validated(request: SearchRequest) -> SearchQuery:
    q = request.q.strip()
    if not q:
        raise InvalidArgument("q is empty: search for a name or a word of a comment")
    if len(q) > MAX_QUERY:
        raise InvalidArgument(f"q is too long: at most {MAX_QUERY} characters")
    terms = query_terms(q)
    if not terms:
        raise InvalidArgument("q has no word to search for (letters or digits)")
    kind = None
    if request.kind:
        try:
            kind = Kind(request.kind)
        except ValueError:
            known = ", ".join(k.value for k in Kind)
            raise InvalidArgument(f"unknown kind {request.kind!r}: one of {known}") from None
    module = validate_module_name(request.module) if request.module else None
    version = str(Version.parse(request.version)) if request.version else None
    return SearchQuery(terms=terms, kind=kind, module=module, version=version)


def kinds() -> Sequence[str]:
    return [k.value for k in Kind]
