"""``spoke breaking``, ``spoke lint`` and ``spoke diff``: buf-compatible checks, run by the
registry. The ``breaking:`` / ``lint:`` config comes from DIR/buf.yaml when there is one;
``--error-format json`` prints buf's JSON (one object per line); exit status 100 when there
are findings, as buf does."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
import yaml

from spoke.cli.buf_formats import FORMATS, as_text
from spoke.cli.buf_workspace import Findings, WorkspaceModule, check_workspace, parse_modules
from spoke.cli.client import CliError, RegistryClient, path_of
from spoke.cli.localfiles import check_inside
from spoke.cli.options import DEFAULT_REGISTRY, Registry, Token, friendly_errors
from spoke.cli.output import out, print_data
from spoke.cli.push import collect_files, parse_dependency, read_files

app = typer.Typer()

FINDINGS_EXIT = 100

ErrorFormat = Annotated[
    str,
    typer.Option(
        "--error-format",
        help="text (path:line:column:message), json, msvs or github-actions, as buf prints them.",
    ),
]
Deps = Annotated[
    list[str] | None, typer.Option("--dep", "-d", help="A dependency as MODULE@VERSION.")
]


def read_buf_yaml(directory: Path) -> dict[str, Any] | None:
    """DIR/buf.yaml as a mapping (None: no file)."""
    path = directory / "buf.yaml"
    if not path.is_file():
        return None
    try:
        document = yaml.safe_load(check_inside(directory, path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CliError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise CliError(f"{path} is not a YAML mapping")
    return document


def buf_config(directory: Path, section: str) -> dict[str, Any] | None:
    """DIR/buf.yaml's ``breaking:`` or ``lint:`` section (None: no file). A v1 or v1beta1
    file's section carries its ``version``, which changes the rules' names, categories
    and defaults (v1 comment ignores are off unless ``allow_comment_ignores: true``)."""
    document = read_buf_yaml(directory)
    if document is None:
        return None
    found = document.get(section)
    if found is not None and not isinstance(found, dict):
        raise CliError(f"{directory / 'buf.yaml'}: `{section}:` must be a mapping")
    version = document.get("version")
    if version in ("v1", "v1beta1"):
        return {**(found or {}), "version": version}
    return found


def workspace_of(directory: Path) -> list[WorkspaceModule] | None:
    """DIR/buf.yaml's ``modules:`` (a v2 workspace), or None."""
    document = read_buf_yaml(directory)
    return None if document is None else parse_modules(document)


def parse_ref(text: str, option: str) -> tuple[str, str]:
    module, sep, version = text.partition("@")
    if not sep or not module or not version:
        raise CliError(f"{option} {text!r}: write it as MODULE@VERSION, such as acme.pay@v1.0.0")
    return module, version


def report(findings: list[dict[str, Any]], error_format: str) -> None:
    """Print ``findings`` in buf's ``error_format``; exit 100 when there are any, as buf."""
    shape = FORMATS.get(error_format)
    if shape is None:
        raise CliError(f"--error-format {error_format!r}: use one of {', '.join(FORMATS)}")
    for finding in findings:
        print_data(shape(finding))
    if findings:
        raise typer.Exit(FINDINGS_EXIT)


@app.command()
@friendly_errors
def breaking(
    directory: Annotated[Path, typer.Argument(help="Root of the .proto tree to check.")],
    against: Annotated[str, typer.Option("--against", help="MODULE@VERSION to compare with.")],
    error_format: ErrorFormat = "text",
    dep: Deps = None,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Check DIRECTORY for breaking changes against a pushed version (buf's rules)."""
    module, version = parse_ref(against, "--against")
    dependencies = [parse_dependency(d) for d in dep or []]
    with RegistryClient(registry, token) as client:

        def check(files: list[dict[str, str]], config: Mapping[str, Any] | None) -> Findings:
            body = {
                "against": version,
                "files": files,
                "dependencies": dependencies,
                "config": config,
            }
            found: Findings = client.json(
                "POST", path_of("modules", module, "breaking"), json=body
            )["findings"]
            return found

        modules = workspace_of(directory)
        if modules is not None:
            report(check_workspace(directory, modules, "breaking", check), error_format)
            return
        files = read_files(directory, collect_files(directory))
        report(check(files, buf_config(directory, "breaking")), error_format)


@app.command()
@friendly_errors
def lint(
    directory: Annotated[Path, typer.Argument(help="Root of the .proto tree to lint.")],
    error_format: ErrorFormat = "text",
    dep: Deps = None,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """Lint DIRECTORY with buf's lint rules (buf.yaml's `lint:`; default STANDARD)."""
    dependencies = [parse_dependency(d) for d in dep or []]
    with RegistryClient(registry, token) as client:

        def check(files: list[dict[str, str]], config: Mapping[str, Any] | None) -> Findings:
            body = {"files": files, "dependencies": dependencies, "config": config}
            found: Findings = client.json("POST", "/lint", json=body)["findings"]
            return found

        modules = workspace_of(directory)
        if modules is not None:
            report(check_workspace(directory, modules, "lint", check), error_format)
            return
        files = read_files(directory, collect_files(directory))
        report(check(files, buf_config(directory, "lint")), error_format)


@app.command()
@friendly_errors
def diff(
    older: Annotated[str, typer.Argument(help="MODULE@VERSION to compare from.")],
    newer: Annotated[str, typer.Argument(help="MODULE@VERSION to compare to.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the JSON.")] = False,
    registry: Registry = DEFAULT_REGISTRY,
    token: Token = None,
) -> None:
    """What changed from OLDER to NEWER (same module), and which changes break."""
    module, before = parse_ref(older, "OLDER")
    other, after = parse_ref(newer, "NEWER")
    if other != module:
        raise CliError(f"compare two versions of one module, not {module} and {other}")
    with RegistryClient(registry, token) as client:
        result = client.json(
            "GET", path_of("modules", module, "versions", after, "diff"), params={"against": before}
        )
    if json_output:
        print_data(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
        return
    for sign, key in (("+", "added"), ("-", "removed"), ("~", "changed")):
        for change in result[key]:
            details = ""
            if change.get("changes"):
                details = "  " + ", ".join(
                    f"{k}: {v['from']!r} -> {v['to']!r}" for k, v in change["changes"].items()
                )
            out.print(
                f"{sign} {change['kind']} {change['name']}{details}",
                highlight=False,
                soft_wrap=True,
            )
    breaking_found = result["breaking"]
    out.print(f"{len(breaking_found)} breaking change(s)", highlight=False)
    for finding in breaking_found:
        out.print(f"  {as_text(finding)} ({finding['type']})", highlight=False, soft_wrap=True)
