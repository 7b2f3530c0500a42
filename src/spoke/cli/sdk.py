"""``spoke sdk``: the lines that point each package manager at this registry's generated
SDKs (pip, npm, go). It prints configuration only: no request, and never a credential (the
lines read the API key from ``$SPOKE_TOKEN`` or leave a placeholder)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated
from urllib.parse import urlsplit

import typer

from spoke.cli.options import DEFAULT_REGISTRY, Registry, friendly_errors
from spoke.cli.output import print_data

app = typer.Typer()  # spoke sdk


class Ecosystem(StrEnum):
    ALL = "all"
    PYTHON = "python"
    NPM = "npm"
    GO = "go"


def python_lines(registry: str) -> str:
    index = f"{registry}/sdk/python/simple/"
    scheme, host = _split(registry)
    with_key = f"{scheme}://spoke:$SPOKE_TOKEN@{host}/sdk/python/simple/"
    return "\n".join(
        [
            "# Python (pip): one project per module, named like acme-greet for acme.greet.",
            f"pip install --extra-index-url {index} acme-greet==1.0.0",
            "# With an API key (private modules): pip sends it as HTTP Basic.",
            f'pip install --extra-index-url "{with_key}" acme-greet==1.0.0',
            "# Or in pip.conf (pip.ini on Windows), with the key written out:",
            "[global]",
            f"extra-index-url = {scheme}://spoke:<API key>@{host}/sdk/python/simple/",
            "# Names in this registry can also exist on other indexes: prefer --index-url for",
            "# this registry with your usual index as the extra one, or pin hashes.",
        ]
    )


def npm_lines(registry: str, scope: str) -> str:
    _, host = _split(registry)
    return "\n".join(
        [
            f"# npm: one package per module, @{scope}/acme.greet. In the project's .npmrc:",
            f"@{scope}:registry={registry}/sdk/npm/",
            f"//{host}/sdk/npm/:_authToken=${{SPOKE_TOKEN}}",
            f"# then: npm install @{scope}/acme.greet@1.0.0",
        ]
    )


def go_lines(registry: str, prefix: str | None) -> str:
    if prefix is None:
        return (
            "# Go: pass --go-prefix with the registry's SPOKE_SDK_GO_PREFIX "
            "(the Go SDK is off without it)."
        )
    _, host = _split(registry)
    machine = host.split("/", 1)[0].rsplit(":", 1)[0]
    return "\n".join(
        [
            f"# Go: modules {prefix}/acme.greet (/v2 from v2), a package per .proto folder.",
            f'export GOPROXY="{registry}/sdk/go,$(go env GOPROXY)"',
            "# The public checksum database does not know these modules:",
            f"export GONOSUMDB={prefix}",
            f"# (Or GOPRIVATE={prefix}: the go command then asks {prefix}/...?go-get=1",
            "# itself, which answers with this registry's proxy.)",
            "# With an API key (private modules), in ~/.netrc; go sends it over HTTPS only:",
            f"machine {machine} login spoke password <API key>",
            f"# then: go get {prefix}/acme.greet@v1.0.0",
        ]
    )


def _split(registry: str) -> tuple[str, str]:
    parts = urlsplit(registry)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise typer.BadParameter(f"not an http(s) URL: {registry!r}", param_hint="--registry")
    return parts.scheme, parts.netloc + parts.path.rstrip("/")


@app.command()
@friendly_errors
def sdk(
    ecosystem: Annotated[
        Ecosystem, typer.Argument(help="Which package manager (default: all).")
    ] = Ecosystem.ALL,
    npm_scope: Annotated[
        str, typer.Option("--npm-scope", help="The registry's SPOKE_SDK_NPM_SCOPE.")
    ] = "spoke",
    go_prefix: Annotated[
        str | None, typer.Option("--go-prefix", help="The registry's SPOKE_SDK_GO_PREFIX.")
    ] = None,
    registry: Registry = DEFAULT_REGISTRY,
) -> None:
    """Print the configuration lines that install generated SDKs with pip, npm and go."""
    registry = registry.rstrip("/")
    sections = []
    if ecosystem in (Ecosystem.ALL, Ecosystem.PYTHON):
        sections.append(python_lines(registry))
    if ecosystem in (Ecosystem.ALL, Ecosystem.NPM):
        sections.append(npm_lines(registry, npm_scope.removeprefix("@")))
    if ecosystem in (Ecosystem.ALL, Ecosystem.GO):
        sections.append(go_lines(registry, go_prefix.rstrip("/") if go_prefix else None))
    print_data("\n\n".join(sections))
