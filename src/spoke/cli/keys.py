"""``spoke keys``: create, list and revoke API keys through the registry's API (an admin
credential). The grant and expiry options and the new key's printout are shared with
``spoke admin create-key``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from spoke.cli.client import RegistryClient
from spoke.cli.options import DEFAULT_REGISTRY, Registry, Token, friendly_errors
from spoke.cli.output import err as err_console
from spoke.cli.output import out, print_data

app = typer.Typer(help="Manage API keys (needs an admin credential).", no_args_is_help=True)

GrantOption = Annotated[
    list[str],
    typer.Option("--grant", "-g", help="read, write or admin, optionally :MODULE or :PREFIX*."),
]
ExpiryOption = Annotated[int | None, typer.Option(help="Days until the key expires.")]


def print_new_key(key: dict[str, Any]) -> None:
    """The key's id, name and grants, then its token: shown this once only."""
    out.print(f"created key {key['id']} ({key['name']}): {' '.join(key['grants'])}")
    err_console.print("the token is shown once; store it now:", style="bold")
    print_data(key["token"])


@app.command("create")
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
        print_new_key(client.json("POST", "/auth/keys", json=body))


@app.command("list")
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


@app.command("revoke")
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
