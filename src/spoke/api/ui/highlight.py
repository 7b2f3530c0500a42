"""One ``.proto`` file as HTML lines: Pygments' protobuf lexer for the colours (each token
escaped here), type names linked to their documentation."""

from __future__ import annotations

from markupsafe import Markup, escape
from pygments.lexers import ProtoBufLexer, TextLexer
from pygments.token import STANDARD_TYPES, Name, Token, _TokenType

from spoke.domain.schema import Schema


def written_type_names(schema: Schema, path: str) -> dict[str, str]:
    """Each way a type used by a field or RPC of ``path`` may be written there (every
    dotted suffix of its full name) → the full name."""
    file = schema.files.get(path)
    if file is None:
        return {}
    used: set[str] = set()

    def fields(message: object) -> None:
        for field in message.field:  # type: ignore[attr-defined]
            if field.type_name:
                used.add(field.type_name.lstrip("."))
        for nested in message.nested_type:  # type: ignore[attr-defined]
            fields(nested)

    for message in file.message_type:
        fields(message)
    for extension in file.extension:
        if extension.type_name:
            used.add(extension.type_name.lstrip("."))
    for service in file.service:
        for method in service.method:
            used.update({method.input_type.lstrip("."), method.output_type.lstrip(".")})
    written: dict[str, str] = {}
    for full in sorted(used, key=len):
        parts = full.split(".")
        for start in range(len(parts)):
            written.setdefault(".".join(parts[start:]), full)
    return written


def _css(kind: _TokenType) -> str:
    while kind not in STANDARD_TYPES and kind.parent is not None:
        kind = kind.parent
    return str(STANDARD_TYPES.get(kind, ""))


def lines(path: str, text: str, links: dict[str, str]) -> list[Markup]:
    """The file's lines as HTML (escaped token by token), type names linked by ``links``
    (as written → URL)."""
    lexer = ProtoBufLexer() if path.endswith(".proto") else TextLexer()
    out: list[list[str]] = [[]]
    for kind, value in lexer.get_tokens(text):
        for index, piece in enumerate(value.split("\n")):
            if index:
                out.append([])
            if not piece:
                continue
            html = str(escape(piece))
            css = _css(kind)
            if css:
                html = f'<span class="{css}">{html}</span>'
            url = links.get(piece) if kind in Name or kind is Token.Name else None
            if url is not None:
                html = f'<a href="{escape(url)}">{html}</a>'
            out[-1].append(html)
    if out and not out[-1] and text.endswith("\n"):
        out.pop()
    return [Markup("".join(parts)) for parts in out]  # noqa: S704 - escaped piece by piece
