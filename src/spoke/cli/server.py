"""``spoke serve``, ``migrate``, ``gc``, ``backup``, ``restore`` and ``sprocket``: the
commands that run the registry or work on its storage directly, configured by Settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any

import typer

from spoke import __version__
from spoke.cli.client import CliError
from spoke.cli.options import friendly_errors
from spoke.cli.output import out
from spoke.config import Settings
from spoke.telemetry.tracing import configure_tracing, shutdown_tracing

app = typer.Typer()


@app.command()
@friendly_errors
def serve() -> None:
    """Run the registry (API on SPOKE_PORT, health and metrics on SPOKE_HEALTH_PORT).

    With no other settings it keeps everything under SPOKE_DATA_DIR (SQLite and a folder
    of files) and needs no servers.
    """
    from spoke.cli.serve import serve as run

    _run_process(run)


@app.command()
@friendly_errors
def migrate() -> None:
    """Bring the metadata schema up to date (serve also does this at start-up)."""
    from spoke.storage.factory import open_metadata

    async def run() -> None:
        store = open_metadata(Settings())
        try:
            await store.migrate()
        finally:
            await store.close()

    asyncio.run(run())
    out.print("schema is up to date")


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``2h`` or ``1d``."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.replace(".", "", 1).isdigit():
        raise typer.BadParameter(f"{text!r}: write a number and a unit, such as 30m, 2h or 1d")
    return timedelta(seconds=float(number) * units[unit])


@app.command()
@friendly_errors
def gc(
    grace: Annotated[
        str, typer.Option(help="Keep unreferenced blobs younger than this (in-flight pushes).")
    ] = "1h",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report, delete nothing.")] = False,
) -> None:
    """Delete blobs that no stored version references (left by failed pushes)."""
    from spoke.services.gc import GarbageCollector
    from spoke.storage.factory import open_backends

    window = parse_duration(grace)

    async def run() -> None:
        backends = await open_backends(Settings(), migrate=False)
        try:
            report = await GarbageCollector(backends.metadata, backends.blobs).collect(
                grace=window, dry_run=dry_run
            )
        finally:
            await backends.close()
        verb = "would delete" if dry_run else "deleted"
        out.print(
            f"scanned {report.scanned} blobs: {report.referenced} referenced, "
            f"{report.too_recent} unreferenced but younger than {grace}, "
            f"{verb} {report.deleted} ({report.deleted_bytes} bytes)"
        )

    asyncio.run(run())


@app.command()
@friendly_errors
def backup(
    keep: Annotated[int | None, typer.Option(help="Keep only the newest N backups.")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the backups instead.")] = False,
) -> None:
    """Dump the metadata database to object storage (backups/spoke-backup-TIME.sql.gz)."""
    from spoke.services.backup import BackupService
    from spoke.storage.factory import open_blobs, open_dumps

    async def run() -> None:
        settings = Settings()
        blobs = open_blobs(settings)
        try:
            async with open_dumps(settings) as dumps:
                service = BackupService(dumps, blobs)
                if list_:
                    for item in await service.list():
                        out.print(f"{item.name}  {item.size} bytes", highlight=False)
                    return
                made = await service.create(keep=keep)
        finally:
            await blobs.close()
        rows = ", ".join(f"{count} {table}" for table, count in made.counts.items())
        out.print(f"backup {made.name} ({made.size} bytes): {rows}", highlight=False)

    asyncio.run(run())


@app.command()
@friendly_errors
def restore(
    name: Annotated[str, typer.Argument(help="A backup's name (see `spoke backup --list`).")],
) -> None:
    """Restore a backup into the configured database (it must be empty), then verify row
    counts and that every file's blob is in object storage."""
    from spoke.services.backup import BackupService
    from spoke.storage.factory import open_blobs, open_dumps

    async def run() -> None:
        settings = Settings()
        blobs = open_blobs(settings)
        try:
            async with open_dumps(settings) as dumps:
                result = await BackupService(dumps, blobs).restore(name, dumps)
        finally:
            await blobs.close()
        out.print(f"restored {name}: {result.counts}; {result.files_checked} files checked")
        if result.missing_blobs:
            raise CliError(
                f"{len(result.missing_blobs)} file(s) have no blob in object storage",
                details=result.missing_blobs[:20],
            )

    asyncio.run(run())


@app.command()
@friendly_errors
def sprocket() -> None:
    """Run the compile worker: compiles every new version for SPOKE_SPROCKET_LANGUAGES.

    Run any number of them next to `spoke serve` on PostgreSQL; SIGTERM finishes (or
    gives back) the current job, then exits.
    """
    from spoke.cli.worker import run_sprocket

    _run_process(run_sprocket)


def _run_process(run: Callable[[Settings], Coroutine[Any, Any, None]]) -> None:
    """A long-running process (the registry, a worker): logs and traces set up from the
    settings, and traces flushed however it ends."""
    from spoke.telemetry.logging import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    configure_tracing(__version__)
    try:
        asyncio.run(run(settings))
    finally:
        shutdown_tracing()
