"""``spoke``: run the registry, and push, pull and browse modules in it.

The root of the command: each topic module defines a ``typer.Typer`` holding its commands,
and this module adds them all, in one place, in the order ``spoke --help`` lists them.
A topic added without a name contributes top-level commands (``spoke push``); one added
with a name is a command group (``spoke keys create``).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from typing import Annotated

import typer

from spoke import __version__
from spoke.cli import admin, browse, deps, governance, keys, registry, sdk, server
from spoke.cli.output import out

app = typer.Typer(
    name="spoke",
    help="Spoke, a self-hostable Protobuf schema registry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(server.app)  # serve, migrate, gc, backup, restore, sprocket
app.add_typer(registry.app)  # push, pull, compile, languages
app.add_typer(browse.app)  # show
app.add_typer(governance.app)  # breaking, lint, diff
app.add_typer(sdk.app)  # sdk
app.add_typer(browse.modules_app, name="modules")
app.add_typer(browse.versions_app, name="versions")
app.add_typer(keys.app, name="keys")
app.add_typer(admin.app, name="admin")
app.add_typer(deps.app, name="deps")


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


def main() -> None:
    """Run the command, then end the process without the interpreter's finalisation.

    obstore's Rust (tokio) runtime keeps worker threads that are never told to stop; one
    still running as ``Py_Finalize`` tears the interpreter down aborts the whole process
    (SIGABRT, exit 134) after the command has done its work, about one short command in
    seven on a busy machine. So the exit handlers run here, while the interpreter is whole
    (logs, traces and buffered output are flushed), and the process exits at once with
    the command's status.
    """
    try:
        app()
        code = 0
    except SystemExit as done:
        code = _status(done.code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe must not change the status
            stream.flush()
    os._exit(code)


def _status(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # sys.exit("message") prints it and exits 1
    return 1
