"""``spoke deps``: what a version pins, which versions pin it, and ``spoke.lock``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from spoke.cli.client import CliError, RegistryClient, path_of
from spoke.cli.lockfile import read_lock, write_lock
from spoke.cli.options import DEFAULT_REGISTRY, Registry, Token, friendly_errors
from spoke.cli.output import out, print_data
from spoke.cli.pull import parse_reference
from spoke.cli.push import parse_dependency
from spoke.domain.lock import Lock, LockedPin
from spoke.domain.models import Dependency

app = typer.Typer(
    help="The dependency graph: what a version pins, what pins it, and spoke.lock.",
    no_args_is_help=True,
)

AsJson = Annotated[bool, typer.Option("--json", help="Print the raw JSON items.")]
_ALL = 1_000_000  # "every item" for RegistryClient.paginate


def _digest_column() -> Column:
    return Column("digest", overflow="fold")  # wrapped, never cut: digests get compared


def _pinned(client: RegistryClient, module: str, ref: str) -> dict[str, Any]:
    """A version's metadata (``latest`` resolved to the version it names)."""
    meta: dict[str, Any] = client.json("GET", path_of("modules", module, "versions", ref))
    return meta


def _dependencies(
    client: RegistryClient, module: str, version: str, *, transitive: bool
) -> list[dict[str, Any]]:
    path = path_of("modules", module, "versions", version, "dependencies")
    params = {"transitive": "true" if transitive else "false"}
    return list(client.paginate(path, limit=_ALL, params=params))


@app.command("show")
@friendly_errors
def show(
    reference: Annotated[str, typer.Argument(help="MODULE@VERSION (or MODULE for latest).")],
    transitive: Annotated[
        bool, typer.Option("--transitive", "-t", help="The whole closure, not only direct pins.")
    ] = False,
    as_json: AsJson = False,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Show the versions a version depends on, each with its digest."""
    module, ref = parse_reference(reference)
    with RegistryClient(registry, token) as client:
        root = _pinned(client, module, ref)
        items = _dependencies(client, module, root["version"], transitive=transitive)
    if as_json:
        print_data(json.dumps(items, indent=2))
        return
    name = f"{root['module']}@{root['version']}"
    if not items:
        out.print(f"{name} has no dependencies", highlight=False)
        return
    how = "transitively" if transitive else "directly"
    out.print(f"{name} depends on {len(items)} version(s) {how}", highlight=False)
    columns = ["module", "version", "depth", "required by"] if transitive else ["module", "version"]
    table = Table(*columns, _digest_column())
    for item in sorted(items, key=lambda i: (i["depth"], i["module"])):
        cells = [item["module"], item["version"]]
        if transitive:
            cells += [str(item["depth"]), ", ".join(item["required_by"])]
        table.add_row(*cells, item["digest"])
    out.print(table)


@app.command("dependents")
@friendly_errors
def dependents(
    reference: Annotated[str, typer.Argument(help="MODULE@VERSION (or MODULE for latest).")],
    as_json: AsJson = False,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """List the versions (of any module) that pin a version."""
    module, ref = parse_reference(reference)
    with RegistryClient(registry, token) as client:
        root = _pinned(client, module, ref)
        path = path_of("modules", module, "versions", root["version"], "dependents")
        items = list(client.paginate(path, limit=_ALL))
    if as_json:
        print_data(json.dumps(items, indent=2))
        return
    name = f"{root['module']}@{root['version']}"
    if not items:
        out.print(f"no versions depend on {name}", highlight=False)
        return
    out.print(f"{len(items)} version(s) depend on {name}", highlight=False)
    table = Table("module", "version", "created", _digest_column())
    for item in items:
        table.add_row(item["module"], item["version"], item["created_at"], item["digest"])
    out.print(table)


@app.command("lock")
@friendly_errors
def lock(
    directory: Annotated[Path, typer.Argument(help="The tree `spoke push` pushes.")],
    dep: Annotated[
        list[str] | None,
        typer.Option(
            "--dep",
            "-d",
            help="A direct dependency as MODULE@VERSION (VERSION may be latest); repeatable. "
            "Without any, the dependencies DIRECTORY/spoke.lock requires are locked again.",
        ),
    ] = None,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Resolve the dependencies' closure on the registry and write DIRECTORY/spoke.lock."""
    wanted = [parse_dependency(d) for d in dep or []]
    if not wanted:
        existing = read_lock(directory)
        if existing is None:
            raise CliError(f"give --dep MODULE@VERSION: {directory} has no spoke.lock to refresh")
        wanted = [{"module": d.module, "version": d.version} for d in existing.requires]
    with RegistryClient(registry, token) as client:
        requires, pins = _resolve(client, wanted)
    written = write_lock(directory, Lock.of(requires, pins))
    out.print(f"locked {len(pins)} version(s) in {written}", highlight=False)
    table = Table("module", "version", _digest_column())
    for pin in sorted(pins):
        table.add_row(pin.module, pin.version, pin.digest)
    out.print(table)


def _resolve(
    client: RegistryClient, wanted: list[dict[str, str]]
) -> tuple[list[Dependency], list[LockedPin]]:
    """The direct pins (``latest`` resolved) and the union of their closures, one
    version per module, as the registry resolves them on push."""
    requires: list[Dependency] = []
    pins: dict[str, tuple[LockedPin, list[str]]] = {}

    def add(pin: LockedPin, path: list[str]) -> None:
        seen = pins.setdefault(pin.module, (pin, path))
        if seen[0].version != pin.version:
            raise CliError(
                f"the dependencies pin two versions of {pin.module}: "
                f"{' -> '.join(seen[1])} and {' -> '.join(path)}"
            )

    for dep in wanted:
        root = _pinned(client, dep["module"], dep["version"])
        requires.append(Dependency(root["module"], root["version"]))
        add(LockedPin(root["module"], root["version"], root["digest"]), [_label(root)])
        for item in _dependencies(client, root["module"], root["version"], transitive=True):
            add(LockedPin(item["module"], item["version"], item["digest"]), item["path"])
    return requires, [pin for pin, _ in pins.values()]


def _label(item: dict[str, Any]) -> str:
    return f"{item['module']}@{item['version']}"
