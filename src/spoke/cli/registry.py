"""``spoke push``, ``pull``, ``compile`` and ``languages``: move a version's files to and
from the registry, and generated code out of it (the work is in push.py, pull.py and
codegen.py; these commands parse options and print the outcome)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from spoke.cli import pull as pull_cmd
from spoke.cli import push as push_cmd
from spoke.cli.client import RegistryClient
from spoke.cli.options import DEFAULT_REGISTRY, Registry, Token, friendly_errors
from spoke.cli.output import out

app = typer.Typer()


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
