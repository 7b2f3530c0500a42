"""``spoke serve``, ``migrate``, ``gc``, ``backup``, ``restore`` and ``sprocket``: the
commands that run the registry or work on its storage directly, configured by Settings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any

import typer

from spoke import __version__
from spoke.cli import eventloop
from spoke.cli.client import CliError
from spoke.cli.options import friendly_errors
from spoke.cli.output import out
from spoke.config import Settings
from spoke.telemetry.tracing import configure_tracing, shutdown_tracing

app = typer.Typer()

NoMigrate = Annotated[
    bool,
    typer.Option(
        "--no-migrate",
        help="Do not migrate the schema at start-up (SPOKE_MIGRATE_ON_START=false): a Job "
        "runs `spoke migrate` before the rollout; an older schema is refused.",
    ),
]


def _settings(*, blobs: bool = True, cache: bool = False, **overrides: Any) -> Settings:
    """The settings of a server-side command: unknown SPOKE_* variables refused, and with
    SPOKE_REQUIRE_SHARED_BACKENDS the shared backends it uses required."""
    settings = Settings.from_environment(**overrides)
    settings.check_shared_backends(blobs=blobs, cache=cache)
    return settings


@app.command()
@friendly_errors
def serve(
    no_migrate: NoMigrate = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="API processes (SPOKE_WORKERS, default 1), one per core; more than one "
            "needs SPOKE_REDIS_URL.",
        ),
    ] = None,
) -> None:
    """Run the registry (API on SPOKE_PORT, health and metrics on SPOKE_HEALTH_PORT).

    With no other settings it keeps everything under SPOKE_DATA_DIR (SQLite and a folder
    of files) and needs no servers.
    """
    from spoke.cli.serve import serve as one_process
    from spoke.cli.workers import supervise

    async def run(settings: Settings) -> None:
        await (supervise if settings.workers > 1 else one_process)(settings)

    _run_process(run, no_migrate=no_migrate, **({} if workers is None else {"workers": workers}))


@app.command()
@friendly_errors
def migrate() -> None:
    """Bring the metadata schema up to date (serve also does this at start-up, unless
    SPOKE_MIGRATE_ON_START=false or --no-migrate)."""
    from spoke.storage.factory import open_metadata

    settings = _settings(blobs=False)

    async def run() -> None:
        store = open_metadata(settings)
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
    settings = _settings()

    async def run() -> None:
        backends = await open_backends(settings, migrate=False)
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
    keep: Annotated[
        int | None,
        typer.Option(help="Keep only the newest N backups (default: SPOKE_BACKUP_KEEP, else all)."),
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the backups instead.")] = False,
) -> None:
    """Dump the metadata database to object storage (spoke-backup-TIME.sql.gz under
    SPOKE_BACKUP_PREFIX in SPOKE_BACKUP_BUCKET; by default backups/ beside the data)."""
    from spoke.services.backup import BackupService
    from spoke.storage.factory import open_backup_blobs, open_blobs, open_dumps

    settings = _settings()

    async def run() -> None:
        blobs, backups = open_blobs(settings), open_backup_blobs(settings)
        try:
            async with open_dumps(settings) as dumps:
                service = BackupService(dumps, blobs, backups)
                if list_:
                    for item in await service.list():
                        out.print(f"{item.name}  {item.size} bytes", highlight=False)
                    return
                made = await service.create(keep=settings.backup_keep if keep is None else keep)
        finally:
            await blobs.close()
            await backups.close()
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
    from spoke.storage.factory import open_backup_blobs, open_blobs, open_dumps

    settings = _settings()

    async def run() -> None:
        blobs, backups = open_blobs(settings), open_backup_blobs(settings)
        try:
            async with open_dumps(settings) as dumps:
                result = await BackupService(dumps, blobs, backups).restore(name, dumps)
        finally:
            await blobs.close()
            await backups.close()
        out.print(f"restored {name}: {result.counts}; {result.files_checked} files checked")
        if result.missing_blobs:
            raise CliError(
                f"{len(result.missing_blobs)} file(s) have no blob in object storage",
                details=result.missing_blobs[:20],
            )

    asyncio.run(run())


@app.command()
@friendly_errors
def sprocket(no_migrate: NoMigrate = False) -> None:
    """Run the compile worker: compiles every new version for SPOKE_SPROCKET_LANGUAGES.

    Run any number of them next to `spoke serve` on PostgreSQL; SIGTERM finishes (or
    gives back) the current job, then exits.
    """
    from spoke.cli.worker import run_sprocket

    _run_process(run_sprocket, no_migrate=no_migrate)


def _run_process(
    run: Callable[[Settings], Coroutine[Any, Any, None]], *, no_migrate: bool, **overrides: Any
) -> None:
    """A long-running process (the registry, a worker): settings checked (see
    ``_settings``), logs and traces set up from them, and traces flushed however it ends."""
    from spoke.telemetry.logging import configure_logging

    if no_migrate:
        overrides["migrate_on_start"] = False
    settings = _settings(cache=True, **overrides)
    configure_logging(settings.log_level)
    configure_tracing(__version__)
    try:
        eventloop.run(run(settings))
    finally:
        shutdown_tracing()
