"""``spoke admin``: administration that talks to the database directly, for when there is
no credential to call the API with yet (the first admin key of a new registry)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from spoke.cli.keys import ExpiryOption, GrantOption, print_new_key
from spoke.cli.options import friendly_errors
from spoke.config import Settings

app = typer.Typer(help="Server-side administration (talks to the database).", no_args_is_help=True)


@app.command("create-key")
@friendly_errors
def admin_create_key(
    name: Annotated[str, typer.Argument(help="What the key is for.")] = "admin",
    grant: GrantOption = ["admin"],  # noqa: B006 - typer reads the default, never mutates it
    expires_in_days: ExpiryOption = None,
) -> None:
    """Create a key directly in the database (the first admin key, for a new registry)."""
    from spoke.auth.keys import KeyService
    from spoke.storage.factory import open_keys

    settings = Settings.from_environment()

    async def run() -> dict[str, Any]:
        async with open_keys(settings) as keys:  # migrated first: a new registry's key
            created = await KeyService(keys).create(
                name, grant, created_by="spoke admin create-key", expires_in_days=expires_in_days
            )
        return {
            "id": created.record.id,
            "name": created.record.name,
            "grants": created.record.grants.split(),
            "token": created.token,
        }

    print_new_key(asyncio.run(run()))


@app.command("reindex")
@friendly_errors
def admin_reindex() -> None:
    """Index for search every stored version not indexed yet: those pushed before the
    search index existed (pushes index their version themselves), or whose indexing
    failed. Safe to run again, and while the registry serves."""
    from spoke.cli.output import out
    from spoke.runtime import build_search
    from spoke.storage.factory import open_backends

    settings = Settings.from_environment()

    async def run() -> int:
        backends = await open_backends(settings)
        try:
            return await build_search(settings, backends).reindex()
        finally:
            await backends.close()

    indexed = asyncio.run(run())
    out.print(f"indexed {indexed} version(s)")
