"""How the CLI talks to people: errors on stderr without tracebacks, tables on stdout.

Everything printed goes through one of the two ``TerminalSafeConsole`` objects here,
and they treat every string as data: no rich markup (a registry's ``[link=…]`` stays
text; style comes from ``style=`` and ``Text`` spans) and no control characters (C0,
DEL, C1, bidi formatting: an escape sequence in a module description or key name is
shown as ``\\u001b``, never run by the terminal).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions, HighlighterType, JustifyMethod, OverflowMethod
from rich.console import RenderableType as Renderable
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from spoke.cli.client import CliError
from spoke.domain.text import escape_unsafe


class TerminalSafeConsole(Console):
    """A rich ``Console`` that never interprets markup and never writes a control
    character it did not make itself (styles and cursor moves are rich's own)."""

    def render_str(
        self,
        text: str,
        *,
        style: str | Style = "",
        justify: JustifyMethod | None = None,
        overflow: OverflowMethod | None = None,
        emoji: bool | None = None,
        markup: bool | None = None,
        highlight: bool | None = None,
        highlighter: HighlighterType | None = None,
    ) -> Text:
        # Every str printed or put in a table cell comes here: escaped before layout, so
        # columns stay aligned; markup and emoji codes are never read, whatever the caller.
        return super().render_str(
            escape_unsafe(text),
            style=style,
            justify=justify,
            overflow=overflow,
            emoji=False,
            markup=False,
            highlight=highlight,
            highlighter=highlighter,
        )

    def render(
        self, renderable: Renderable, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        # The last line of defence, for ``Text`` built elsewhere: rich's own line breaks
        # and control segments (cursor moves, styles) are the only ones let through.
        for segment in super().render(renderable, options):
            if segment.control:
                yield segment
            else:
                yield Segment(escape_unsafe(segment.text, keep="\n"), segment.style)


out = TerminalSafeConsole()
err = TerminalSafeConsole(stderr=True)


def print_data(text: str) -> None:
    """Machine-readable output (a JSON document, a token) on stdout: no wrapping, no
    highlighting; its lines kept, any other unsafe character escaped."""
    out.print(Text(escape_unsafe(text, keep="\n")), soft_wrap=True, highlight=False)


def print_error(error: CliError) -> None:
    err.print(Text.assemble(("error:", "bold red"), " ", escape_unsafe(error.message)))
    details = error.details
    if isinstance(details, list):
        for item in details:
            err.print(f"  {_describe(item)}", highlight=False)


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
