"""Migrations off at start-up (``SPOKE_MIGRATE_ON_START=false``): an older schema is
refused, a current or newer one is served; a newer one is never "migrated" by older code
(expand/contract: during a rollout, old and new code share the expanded schema)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from spoke.config import Settings
from spoke.storage.factory import open_backends, open_database
from spoke.storage.metadata import SchemaOutdated
from spoke.storage.metadata.migrations import DIRECTORY
from tests.production import isolated_settings

HEAD = max(p.name.split("_")[0] for p in (DIRECTORY / "versions").glob("0*.py"))


@pytest.fixture(params=["sqlite", "postgres"])
async def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return Settings(data_dir=tmp_path, migrate_on_start=False)
    return await isolated_settings(
        request.getfixturevalue("stack"), tmp_path, migrate_on_start=False
    )


async def stamp(settings: Settings, revision: str) -> None:
    database = open_database(settings)
    try:
        async with database.begin() as conn:
            await conn.execute(
                sa.text("UPDATE alembic_version SET version_num = :v"), {"v": revision}
            )
    finally:
        await database.close()


async def revision(settings: Settings) -> str:
    database = open_database(settings)
    try:
        async with database.connect() as conn:
            return str(
                (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar()
            )
    finally:
        await database.close()


async def test_an_unmigrated_database_is_refused(settings: Settings) -> None:
    with pytest.raises(SchemaOutdated, match=rf"at revision \(none\), this Spoke needs {HEAD}"):
        await open_backends(settings)


async def test_an_older_schema_is_refused_a_current_one_served(settings: Settings) -> None:
    await (await open_backends(settings, migrate=True)).close()  # what `spoke migrate` does
    await (await open_backends(settings)).close()  # current: served
    older = f"{int(HEAD) - 1:04d}"
    await stamp(settings, older)
    with pytest.raises(SchemaOutdated, match=f"at revision {older}.*run `spoke migrate`"):
        await open_backends(settings)


async def test_a_newer_schema_is_served_and_left_alone(settings: Settings) -> None:
    await (await open_backends(settings, migrate=True)).close()
    await stamp(settings, "9999_from_a_newer_spoke")
    await (await open_backends(settings)).close()  # no refusal
    # Nor does older code with migrations on fail on a revision it does not know.
    await (await open_backends(settings, migrate=True)).close()
    assert await revision(settings) == "9999_from_a_newer_spoke"
