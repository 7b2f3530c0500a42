"""``spoke``: run the registry, and push, pull and browse modules in it."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from spoke import __version__
from spoke.cli import governance as governance_cmd
from spoke.cli import pull as pull_cmd
from spoke.cli import push as push_cmd
from spoke.cli.client import CliError, RegistryClient, path_of
from spoke.cli.deps import app as deps_app
from spoke.cli.options import DEFAULT_REGISTRY, Registry, Token, friendly_errors
from spoke.cli.output import err as err_console
from spoke.cli.output import out, print_data
from spoke.config import Settings
from spoke.telemetry.tracing import configure_tracing, shutdown_tracing

app = typer.Typer(
    name="spoke",
    help="Spoke, a self-hostable Protobuf schema registry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
modules_app = typer.Typer(help="Browse modules.", no_args_is_help=True)
versions_app = typer.Typer(help="Browse a module's versions.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys (needs an admin credential).", no_args_is_help=True)
admin_app = typer.Typer(
    help="Server-side administration (talks to the database).", no_args_is_help=True
)
app.add_typer(modules_app, name="modules")
app.add_typer(versions_app, name="versions")
app.add_typer(keys_app, name="keys")
app.add_typer(admin_app, name="admin")
app.add_typer(deps_app, name="deps")


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"spoke {__version__}")
        raise typer.Exit


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """Spoke, a self-hostable Protobuf schema registry."""


@app.command()
@friendly_errors
def serve() -> None:
    """Run the registry (API on SPOKE_PORT, health and metrics on SPOKE_HEALTH_PORT).

    With no other settings it keeps everything under SPOKE_DATA_DIR (SQLite and a folder
    of files) and needs no servers.
    """
    from spoke.cli.serve import serve as run
    from spoke.telemetry.logging import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    configure_tracing(__version__)
    try:
        asyncio.run(run(settings))
    finally:
        shutdown_tracing()


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
    from spoke.storage.factory import open_blobs
    from spoke.storage.metadata.dumps import DatabaseDumps

    async def run() -> None:
        settings = Settings()
        blobs = open_blobs(settings)
        try:
            service = BackupService(DatabaseDumps(settings), blobs)
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
    from spoke.storage.factory import open_blobs
    from spoke.storage.metadata.dumps import DatabaseDumps

    async def run() -> None:
        settings = Settings()
        blobs = open_blobs(settings)
        try:
            target = DatabaseDumps(settings)
            result = await BackupService(target, blobs).restore(name, target)
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
def push(
    directory: Annotated[
        Path, typer.Argument(help="Root of the .proto tree; paths are relative to it.")
    ],
    module: Annotated[
        str, typer.Option("--module", "-m", help="Module name, such as acme.payments.")
    ],
    version: Annotated[
        str, typer.Option("--version", "-v", help="Semantic version, such as v1.2.0.")
    ],
    dep: Annotated[
        list[str] | None,
        typer.Option("--dep", "-d", help="A dependency as MODULE@VERSION; repeatable."),
    ] = None,
    source_repository: Annotated[
        str | None, typer.Option(help="Where the files come from.")
    ] = None,
    source_commit: Annotated[str | None, typer.Option(help="The commit they come from.")] = None,
    source_branch: Annotated[str | None, typer.Option(help="The branch they come from.")] = None,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Push every .proto file under DIRECTORY (and a root README.md) as MODULE@VERSION.

    Hidden folders are skipped and links to folders are not followed. A link to a file is
    read only when it resolves inside DIRECTORY (outside any hidden folder): a link that
    leaves it (README.md -> ~/.netrc) stops the push before anything is sent.
    """
    source = {"repository": source_repository, "commit": source_commit, "branch": source_branch}
    with RegistryClient(registry, token) as client:
        result = push_cmd.push(
            client, directory, module, version, dep or [], source if any(source.values()) else None
        )
    state = "pushed" if result["created"] else "already there (identical content)"
    out.print(f"{result['module']}@{result['version']} {state}: {len(result['files'])} files")
    out.print(f"digest {result['digest']}", highlight=False)


@app.command()
@friendly_errors
def pull(
    reference: Annotated[str, typer.Argument(help="MODULE or MODULE@VERSION (default: latest).")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to write the files [default: ./MODULE]."),
    ] = None,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Download a version's files, checking each one against its sha256."""
    module, ref = pull_cmd.parse_reference(reference)
    target = output or Path(module)
    with RegistryClient(registry, token) as client:
        meta = pull_cmd.pull(client, module, ref, target)
    out.print(f"{module}@{meta['version']}: {len(meta['files'])} files written to {target}")
    out.print(f"digest {meta['digest']}", highlight=False)


@app.command("compile")
@friendly_errors
def compile_command(
    reference: Annotated[str, typer.Argument(help="MODULE@VERSION (or MODULE for latest).")],
    lang: Annotated[str, typer.Option("--lang", "-l", help="Language id (see `spoke languages`).")],
    grpc: Annotated[bool, typer.Option("--grpc", help="Include gRPC stubs.")] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Where to unpack [default: ./MODULE-LANG]."),
    ] = None,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Compile a version to LANG on the registry, download and unpack the generated code.

    Only generated source files are written, inside OUTPUT: an archive entry that leaves
    it, is hidden (.git/config), is a link or is no generated file stops the unpacking
    before anything is written.
    """
    from spoke.cli import codegen

    module, ref = pull_cmd.parse_reference(reference)
    target = output or Path(f"{module}-{lang}")
    with RegistryClient(registry, token) as client:
        job = codegen.compile_version(client, module, ref, lang, grpc)
        count = codegen.unpack(codegen.download(client, job), target)
    out.print(
        f"{module}@{job['version']} {lang}{' +grpc' if grpc else ''}: {count} files in {target}"
    )


@app.command()
@friendly_errors
def languages(
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """List the languages the registry can generate, and the tools behind them."""
    with RegistryClient(registry, token) as client:
        items = client.json("GET", "/languages")
    table = Table("language", "available", "gRPC", "tools")
    for lang in items:
        tools = ", ".join(f"{k} {v}" for k, v in lang["tools"].items())
        if lang["missing"]:
            tools += ("; " if tools else "") + "missing: " + ", ".join(lang["missing"])
        table.add_row(
            lang["id"],
            "yes" if lang["available"] else "no",
            "yes" if lang["grpc_available"] else "no",
            tools,
        )
    out.print(table)


@app.command()
@friendly_errors
def sprocket() -> None:
    """Run the compile worker: compiles every new version for SPOKE_SPROCKET_LANGUAGES.

    Run any number of them next to `spoke serve` on PostgreSQL; SIGTERM finishes (or
    gives back) the current job, then exits.
    """
    from spoke.cli.worker import run_sprocket
    from spoke.telemetry.logging import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    configure_tracing(__version__)
    try:
        asyncio.run(run_sprocket(settings))
    finally:
        shutdown_tracing()


GrantOption = Annotated[
    list[str],
    typer.Option("--grant", "-g", help="read, write or admin, optionally :MODULE or :PREFIX*."),
]
ExpiryOption = Annotated[int | None, typer.Option(help="Days until the key expires.")]


def _print_new_key(key: dict[str, Any]) -> None:
    out.print(f"created key {key['id']} ({key['name']}): {' '.join(key['grants'])}")
    err_console.print("the token is shown once; store it now:", style="bold")
    print_data(key["token"])


@keys_app.command("create")
@friendly_errors
def keys_create(
    name: Annotated[str, typer.Argument(help="What the key is for, such as ci-acme.")],
    grant: GrantOption,
    expires_in_days: ExpiryOption = None,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Create an API key; prints its token once."""
    body = {"name": name, "grants": grant, "expires_in_days": expires_in_days}
    with RegistryClient(registry, token) as client:
        _print_new_key(client.json("POST", "/auth/keys", json=body))


@keys_app.command("list")
@friendly_errors
def keys_list(
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """List API keys (never their tokens)."""
    with RegistryClient(registry, token) as client:
        items = list(client.paginate("/auth/keys", limit=limit))
    table = Table("id", "name", "prefix", "grants", "expires", "revoked", "last used")
    for k in items:
        table.add_row(
            str(k["id"]),
            k["name"],
            k["prefix"],
            " ".join(k["grants"]),
            k["expires_at"] or "never",
            k["revoked_at"] or "",
            k["last_used_at"] or "",
        )
    out.print(table if items else "no keys")


@keys_app.command("revoke")
@friendly_errors
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="The key's id (see `spoke keys list`).")],
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Revoke an API key: it stops working at once."""
    with RegistryClient(registry, token) as client:
        key = client.json("DELETE", f"/auth/keys/{key_id}")
    out.print(f"revoked key {key['id']} ({key['name']})")


@admin_app.command("create-key")
@friendly_errors
def admin_create_key(
    name: Annotated[str, typer.Argument(help="What the key is for.")] = "admin",
    grant: GrantOption = ["admin"],  # noqa: B006 - typer reads the default, never mutates it
    expires_in_days: ExpiryOption = None,
) -> None:
    """Create a key directly in the database (the first admin key, for a new registry)."""
    from spoke.auth.keys import KeyService
    from spoke.storage.factory import open_metadata
    from spoke.storage.keys.sql import SqlKeyStore

    async def run() -> dict[str, Any]:
        store = open_metadata(Settings())
        try:
            await store.migrate()
            created = await KeyService(SqlKeyStore(store.engine)).create(
                name, grant, created_by="spoke admin create-key", expires_in_days=expires_in_days
            )
        finally:
            await store.close()
        return {
            "id": created.record.id,
            "name": created.record.name,
            "grants": created.record.grants.split(),
            "token": created.token,
        }

    _print_new_key(asyncio.run(run()))


@modules_app.command("list")
@friendly_errors
def modules_list(
    prefix: Annotated[str, typer.Option(help="Only modules whose name starts so.")] = "",
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """List modules in name order."""
    with RegistryClient(registry, token) as client:
        items = list(client.paginate("/modules", limit=limit, params={"prefix": prefix}))
    table = Table("name", "description", "created")
    for m in items:
        table.add_row(m["name"], m["description"], m["created_at"])
    out.print(table if items else "no modules")


@versions_app.command("list")
@friendly_errors
def versions_list(
    module: Annotated[str, typer.Argument(help="Module name.")],
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """List a module's versions, highest first."""
    with RegistryClient(registry, token) as client:
        items = list(client.paginate(path_of("modules", module, "versions"), limit=limit))
    table = Table("version", "files", "digest", "created")
    for v in items:
        table.add_row(v["version"], str(v["file_count"]), v["digest"], v["created_at"])
    out.print(table if items else f"{module} has no versions")


@app.command()
@friendly_errors
def show(
    reference: Annotated[str, typer.Argument(help="MODULE@VERSION (or MODULE for latest).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON.")] = False,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Show a version: digest, files, dependencies and source."""
    module, ref = pull_cmd.parse_reference(reference)
    with RegistryClient(registry, token) as client:
        meta = client.json("GET", path_of("modules", module, "versions", ref))
    if as_json:
        print_data(json.dumps(meta, indent=2))
        return
    out.print(
        Text.assemble(
            (f"{meta['module']}@{meta['version']}", "bold"), f"  created {meta['created_at']}"
        )
    )
    out.print(f"digest {meta['digest']}", highlight=False)
    for dep in meta["dependencies"]:
        out.print(f"depends on {dep['module']}@{dep['version']}")
    source = {k: v for k, v in meta["source"].items() if v}
    if source:
        out.print("source " + ", ".join(f"{k}={v}" for k, v in source.items()), highlight=False)
    table = Table("path", "size", "sha256")
    for f in meta["files"]:
        table.add_row(f["path"], str(f["size"]), f["sha256"])
    out.print(table)


app.command("breaking")(friendly_errors(governance_cmd.breaking))
app.command("lint")(friendly_errors(governance_cmd.lint))
app.command("diff")(friendly_errors(governance_cmd.diff))


def main() -> None:
    app()
