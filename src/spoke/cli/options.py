"""What every client command shares: the registry and token options, and the error
wrapper that prints one readable message (no traceback) and exits non-zero."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError

from spoke.cli.client import CliError
from spoke.cli.output import print_error
from spoke.config import SettingsError
from spoke.domain.errors import SpokeError

F = TypeVar("F", bound=Callable[..., Any])

Registry = Annotated[
    str,
    typer.Option("--registry", envvar="SPOKE_REGISTRY", help="Registry URL.", show_default=True),
]
Token = Annotated[
    str | None,
    typer.Option("--token", envvar="SPOKE_TOKEN", help="Bearer token.", show_default=False),
]
DEFAULT_REGISTRY = "http://localhost:8080"


def friendly_errors(func: F) -> F:
    """Print errors as one readable message (no traceback) and exit 1 (2: bad settings)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CliError as exc:
            print_error(exc)
            raise typer.Exit(1) from None
        except SpokeError as exc:
            print_error(CliError(exc.message, details=exc.details))
            raise typer.Exit(1) from None
        except ValidationError as exc:
            print_error(CliError(f"invalid settings: {exc}"))
            raise typer.Exit(2) from None
        except SettingsError as exc:
            print_error(CliError(f"invalid settings: {exc}"))
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]
