"""The metadata store port: modules, versions, their files and dependencies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from spoke.domain.errors import Conflict, Unavailable
from spoke.domain.graph import Dependent
from spoke.domain.models import Module, ModuleVersion, NewVersion, VersionSummary


class VersionExists(Conflict):
    """Raised by ``create_version`` when the version is already stored; carries it."""

    code = "version_exists"

    def __init__(self, existing: ModuleVersion) -> None:
        super().__init__(f"{existing.module}@{existing.version} already exists")
        self.existing = existing


class MetadataUnavailable(Unavailable):
    code = "metadata_unavailable"


class SchemaOutdated(MetadataUnavailable):
    """The database's tables are older than this code: ``spoke migrate`` has not run
    (start-up with migrations off refuses to serve on them)."""


class DatabaseDump(Protocol):
    """Whole-database dumps, for backups: ``dumps.PostgresDumps`` (``pg_dump``, ``psql``)
    and ``dumps.SqliteDumps``, chosen by ``storage.factory.open_dumps``."""

    async def dump(self) -> tuple[bytes, dict[str, int]]:
        """The whole database as SQL, and its row counts, from one snapshot: writes that
        land meanwhile are in neither."""
        ...

    async def load(self, sql: bytes) -> None:
        """Load a dump into this database, which must be empty."""
        ...

    async def counts(self) -> dict[str, int]: ...

    async def object_keys(self) -> list[str]:
        """The blob key of every stored file."""
        ...


class MetadataStore(Protocol):
    """Registry metadata. Every method is atomic; ``create_version`` is one transaction.

    Lists are keyset-paginated: ``after`` is the last key of the previous page (a module
    name, or a version string) and at most ``limit`` items come back.
    Adapters raise domain errors (``ModuleNotFound``, ``VersionNotFound``, ``ModuleExists``,
    ``VersionExists``, ``MetadataUnavailable``), never driver errors.
    """

    async def create_module(
        self, name: str, description: str, *, public: bool = True
    ) -> Module: ...

    async def get_module(self, name: str) -> Module: ...

    async def list_modules(
        self, *, prefix: str = "", after: str | None = None, limit: int = 100
    ) -> list[Module]: ...

    async def update_module(
        self, name: str, *, description: str | None = None, public: bool | None = None
    ) -> Module:
        """Change what is given; ``ModuleNotFound`` if there is no such module."""
        ...

    async def create_version(self, new: NewVersion) -> ModuleVersion:
        """Record a version, creating its module if missing, all in one transaction.

        Raises ``VersionExists`` (with the stored version) if it is already there, and
        ``VersionNotFound`` if a dependency does not exist.
        """
        ...

    async def find_version(
        self, module: str, version: str, *, current: bool = False
    ) -> ModuleVersion | None:
        """``module@version``, or ``None`` when it is not stored (or deleted, or its module
        is): the question a push asks of every version it has not seen yet. ``current``
        asks the primary straight away (a push's own version, usually not there yet: a
        replica's "not there" would be confirmed on the primary anyway)."""
        ...

    async def get_version(self, module: str, version: str) -> ModuleVersion:
        """``module@version``; ``VersionNotFound`` when ``find_version`` would say ``None``."""
        ...

    async def latest_version(self, module: str) -> str:
        """The highest release, or the highest prerelease when there is no release."""
        ...

    async def previous_version(self, module: str, version: str) -> str | None:
        """The highest stored version of ``module`` below ``version`` (a valid semantic
        version, stored or not) in precedence order, prereleases included; ``None`` when
        there is none or no such module."""
        ...

    async def list_versions(
        self, module: str, *, after: str | None = None, limit: int = 100, current: bool = False
    ) -> list[VersionSummary]:
        """Versions from the highest precedence down; ``current``: as the primary has them
        (not a replica that may lag behind a deletion)."""
        ...

    async def version_names(self, module: str) -> list[str]:
        """The names of all of ``module``'s versions (not deleted), highest first; ``[]``
        when the module is missing or soft-deleted."""
        ...

    async def list_dependents(
        self, module: str, version: str, *, after: str | None = None, limit: int = 100
    ) -> list[Dependent]:
        """The versions (not deleted, in modules not deleted) that pin ``module@version``, by
        module name, then highest version first; ``after`` is the ``module@version`` that
        ended the previous page. ``ModuleNotFound``/``VersionNotFound`` when it is not there
        (or deleted)."""
        ...

    async def delete_version(self, module: str, version: str, *, permanent: bool) -> list[str]:
        """Soft-delete (hide) or remove a version; ``HasDependents`` if versions depend on
        it. Returns the blob keys of a permanently removed version's files."""
        ...

    async def delete_module(self, module: str, *, permanent: bool) -> list[str]:
        """Soft-delete or remove a module with its versions; ``HasDependents`` if other
        modules' versions depend on any of them. Returns the removed files' blob keys."""
        ...

    async def restore_version(self, module: str, version: str) -> None: ...

    async def restore_module(self, module: str) -> Module: ...

    async def referenced_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these blob keys some stored file points at (for garbage collection)."""
        ...

    async def shared_secret(self, name: str) -> bytes:
        """32 random bytes named ``name``, made on first use and the same for every
        instance on this database (keys that must agree across instances)."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...
