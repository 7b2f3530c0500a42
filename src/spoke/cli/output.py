"""How the CLI talks to people: errors on stderr without tracebacks, tables on stdout."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from spoke.cli.client import CliError

out = Console()
err = Console(stderr=True)


def print_error(error: CliError) -> None:
    err.print(f"[bold red]error:[/] {error.message}", highlight=False, markup=True)
    details = error.details
    if isinstance(details, list):
        for item in details:
            err.print(f"  {_describe(item)}", highlight=False, markup=False)


def _describe(item: Any) -> str:
    if isinstance(item, dict) and "message" in item:
        where = ":".join(
            str(item[k]) for k in ("file", "line", "column") if item.get(k) is not None
        )
        loc = item.get("loc")
        if not where and isinstance(loc, list):
            where = ".".join(str(p) for p in loc)
        return f"{where}: {item['message']}" if where else str(item["message"])
    return str(item)
