"""Unsafe characters (``domain/text.py``) and the CLI's terminal-safe consoles: whatever a
registry sends, the terminal gets no escape sequence and no rich markup."""

from __future__ import annotations

import io
import json

import pytest
from rich.table import Table
from rich.text import Text

from spoke.auth.keys import KeyService
from spoke.cli.client import CliError
from spoke.cli.output import TerminalSafeConsole
from spoke.domain.errors import InvalidArgument
from spoke.domain.text import escape_unsafe, first_unsafe, is_unsafe, refuse_unsafe
from spoke.services.modules import validate_description

ESC = "\x1b"
# A clear-screen, a window title, an 8-bit CSI, DEL, a right-to-left override, a carriage
# return: each either runs in a terminal or changes what it shows.
HOSTILE = f"a{ESC}[2Jb{ESC}]0;pwned\x07c\x9b31md\x7fe\u202ef\rg"


@pytest.mark.parametrize(
    "char",
    [
        *["\x00", "\x07", "\t", "\n", "\r", ESC, "\x7f", "\x80", "\x9b", "\x9f"],
        *["\u061c", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066", "\u2069", "\u2028", "\u2029"],
    ],
)
def test_unsafe_characters(char: str) -> None:
    assert is_unsafe(char)


@pytest.mark.parametrize("char", [" ", "~", "a", "\xa0", "é", "日", "\u200d", "😀", "["])
def test_safe_characters(char: str) -> None:
    assert not is_unsafe(char)


def test_escape_shows_each_unsafe_character_as_a_json_escape() -> None:
    escaped = escape_unsafe(HOSTILE)
    assert first_unsafe(escaped) is None
    assert escaped == ("a\\u001b[2Jb\\u001b]0;pwned\\u0007c\\u009b31md\\u007fe\\u202ef\\u000dg")
    assert json.loads(f'"{escaped}"') == HOSTILE  # a JSON string stays the same string
    assert escape_unsafe("plain [text]") == "plain [text]"
    assert escape_unsafe("two\nlines", keep="\n") == "two\nlines"


def test_refuse_names_the_character_and_allows_what_it_is_told() -> None:
    with pytest.raises(InvalidArgument, match="U\\+001B") as caught:
        refuse_unsafe(f"x{ESC}", "a key name")
    assert caught.value.code == "invalid_argument"
    assert ESC not in caught.value.message
    assert refuse_unsafe("line\n\tindented", "a description", allow="\n\t")


@pytest.mark.parametrize("description", ["", "Payments", "two\nlines\tand a tab", "日本 😀"])
def test_descriptions_keep_lines_and_tabs(description: str) -> None:
    assert validate_description(description) == description


@pytest.mark.parametrize("bad", [ESC + "[31m", "\r", "\x00", "\x85", "\u202e", "a\u2028b"])
def test_descriptions_refuse_other_control_characters(bad: str) -> None:
    with pytest.raises(InvalidArgument, match="a description"):
        validate_description(f"fine {bad} fine")


class _NoStore:
    """A key store the validation must never reach."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the store was called ({name}) for an invalid key name")


@pytest.mark.parametrize("bad", ["\n", "\t", ESC + "[2J", "\x9b", "\u202e", "\x7f"])
async def test_key_names_refuse_every_control_character(bad: str) -> None:
    service = KeyService(_NoStore())  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="a key name"):
        await service.create(f"ci{bad}", ["read"], created_by="test", expires_in_days=None)


def _console(*, terminal: bool = False) -> tuple[TerminalSafeConsole, io.StringIO]:
    sink = io.StringIO()
    return TerminalSafeConsole(file=sink, width=200, force_terminal=terminal), sink


def test_strings_and_table_cells_are_escaped_and_never_markup() -> None:
    console, sink = _console()
    console.print(f"module {HOSTILE} [bold]x[/] [link=https://evil.test]click[/link] :smile:")
    table = Table("name", "description")
    table.add_row("acme.pay", f"[red]{HOSTILE}")
    console.print(table)
    # Styled text keeps its style, its untrusted part is escaped all the same.
    console.print(Text.assemble(("bold part", "bold"), f" {HOSTILE}"))
    printed = sink.getvalue()
    assert first_unsafe(printed, allow="\n") is None
    assert "[bold]x[/] [link=https://evil.test]click[/link] :smile:" in printed
    assert "[red]a\\u001b[2Jb" in printed
    assert printed.count("\\u202e") == 3


def test_a_colour_terminal_gets_rich_styles_and_escaped_data() -> None:
    console, sink = _console(terminal=True)
    console.print(Text.assemble(("error:", "bold red"), f" {HOSTILE}"))
    printed = sink.getvalue()
    assert printed.startswith(f"{ESC}[1;31merror:{ESC}[0m")  # rich's own sequences stay
    assert "[2J" not in printed.replace("\\u001b[2J", "")  # the registry's do not
    assert "\x9b" not in printed and "\u202e" not in printed and "\x07" not in printed


def test_print_error_escapes_the_message_and_details(capsys: pytest.CaptureFixture[str]) -> None:
    from spoke.cli.output import print_error

    print_error(CliError(f"[bold]boom {HOSTILE}", details=[{"message": HOSTILE}, HOSTILE]))
    printed = capsys.readouterr().err
    assert first_unsafe(printed, allow="\n") is None
    assert "error: [bold]boom a\\u001b[2Jb" in " ".join(printed.split())


def test_print_data_keeps_json_documents_whole(capsys: pytest.CaptureFixture[str]) -> None:
    from spoke.cli.output import print_data

    document = {"name": HOSTILE, "long": "x" * 500, "nested": [{"k": "\x7f\x9b\u202e"}]}
    print_data(json.dumps(document, indent=2, ensure_ascii=False))
    printed = capsys.readouterr().out
    assert first_unsafe(printed, allow="\n") is None
    assert json.loads(printed) == document  # escaped as JSON escapes: the same document
