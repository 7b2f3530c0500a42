"""``spoke modules list``, ``spoke versions list`` and ``spoke show``: browse what the
registry holds."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from spoke.cli.client import RegistryClient, path_of
from spoke.cli.options import DEFAULT_REGISTRY, Registry, Token, friendly_errors
from spoke.cli.output import out, print_data
from spoke.cli.pull import parse_reference

app = typer.Typer()  # spoke show
# The command groups, added to the root as `spoke modules` and `spoke versions`.
modules_app = typer.Typer(help="Browse modules.", no_args_is_help=True)
versions_app = typer.Typer(help="Browse a module's versions.", no_args_is_help=True)


@app.command()
@friendly_errors
def show(
    reference: Annotated[str, typer.Argument(help="MODULE@VERSION (or MODULE for latest).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON.")] = False,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Show a version: digest, files, dependencies and source."""
    module, ref = parse_reference(reference)
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
def search(
    query: Annotated[str, typer.Argument(help="Words of a name or of a comment.")],
    kind: Annotated[
        str | None,
        typer.Option(
            help="Only module, package, message, enum, service, rpc, field or enum_value."
        ),
    ] = None,
    module: Annotated[str | None, typer.Option("--module", "-m", help="Only this module.")] = None,
    version: Annotated[
        str | None, typer.Option("--version", "-v", help="This version (with --module).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="At most this many.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw JSON.")] = False,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Search messages, enums, services, RPCs, fields, packages and modules by name and
    comment (the latest version of each module unless --version)."""
    params = {"q": query, "kind": kind, "module": module, "version": version}
    with RegistryClient(registry, token) as client:
        items = list(
            client.paginate(
                "/search",
                limit=limit,
                params={k: v for k, v in params.items() if v is not None},
            )
        )
    if as_json:
        print_data(json.dumps(items, indent=2))
        return
    table = Table("kind", "name", "module", "where", "comment")
    for hit in items:
        where = f"{hit['file']}:{hit['line']}" if hit["file"] else ""
        table.add_row(
            hit["kind"],
            hit["full_name"],
            f"{hit['module']}@{hit['version']}",
            where,
            hit["snippet"],
        )
    out.print(table if items else "nothing found")
