"""Random protobuf files for fuzzing the descriptor walks: messages nested in messages,
enums nested at every depth, oneofs, extensions declared at file and message scope,
services; rendered as proto2, proto3 or edition 2023 (with features set on files,
messages, enums and fields). Plus small mutations of such a file, for breaking checks."""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field

from hypothesis import strategies as st

SYNTAXES = ("proto2", "proto3", "editions")
SCALARS = ("int32", "int64", "string", "bytes", "bool", "double", "sint32", "fixed64")


@dataclass
class Enum:
    name: str
    values: list[str]
    closed: bool | None = None  # editions: features.enum_type, None = inherited


@dataclass
class Field:
    name: str
    number: int
    type: str  # a scalar, or the name of an enum or message in scope
    label: str = ""  # "", "optional", "repeated", "required" (proto2)
    presence: str | None = None  # editions: features.field_presence


@dataclass
class Message:
    name: str
    fields: list[Field] = field(default_factory=list)
    oneof: list[Field] = field(default_factory=list)
    nested: list[Message] = field(default_factory=list)
    enums: list[Enum] = field(default_factory=list)
    #: Extensions of the file's first message declared in this one (proto2, editions).
    extensions: list[Field] = field(default_factory=list)
    json_legacy: bool = False  # editions: features.json_format = LEGACY_BEST_EFFORT


@dataclass
class File:
    syntax: str
    messages: list[Message]
    enums: list[Enum]
    services: list[tuple[str, list[tuple[str, str, str]]]]  # name, [(rpc, in, out)]
    extensions: list[Field] = field(default_factory=list)  # top-level ``extend``
    closed_enums: bool = False  # editions: file-wide features.enum_type = CLOSED


# -- generation ------------------------------------------------------------------------
@st.composite
def _enum(draw: st.DrawFn, name: str, syntax: str) -> Enum:
    count = draw(st.integers(1, 3))
    closed = draw(st.sampled_from([None, True, False])) if syntax == "editions" else None
    return Enum(name, [f"{name.upper()}_V{i}" for i in range(count)], closed)


@st.composite
def _message(draw: st.DrawFn, name: str, syntax: str, depth: int) -> Message:
    message = Message(name)
    if depth < 2:
        for i in range(draw(st.integers(0, 2))):
            message.nested.append(draw(_message(f"{name}N{i}", syntax, depth + 1)))
    for i in range(draw(st.integers(0, 2))):
        message.enums.append(draw(_enum(f"{name}E{i}", syntax)))
    types = [*SCALARS, *(e.name for e in message.enums), *(m.name for m in message.nested)]
    number = 1
    for i in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(types))
        message.fields.append(Field(f"f{i}", number, kind, *draw(_label(syntax, kind, types))))
        number += 1
    for i in range(draw(st.integers(0, 2))):
        message.oneof.append(Field(f"o{i}", number, draw(st.sampled_from(types))))
        number += 1
    if syntax == "editions":
        message.json_legacy = draw(st.booleans())
    return message


@st.composite
def _label(draw: st.DrawFn, syntax: str, kind: str, types: list[str]) -> tuple[str, str | None]:
    if syntax == "proto2":
        return draw(st.sampled_from(["optional", "repeated", "required"])), None
    if syntax == "proto3":
        return draw(st.sampled_from(["", "optional", "repeated"])), None
    label = draw(st.sampled_from(["", "repeated"]))
    if label or kind not in SCALARS:
        return label, None
    presence = draw(st.sampled_from([None, "IMPLICIT", "EXPLICIT", "LEGACY_REQUIRED"]))
    return label, presence


@st.composite
def proto_files(draw: st.DrawFn) -> File:
    """One file's model (render it with :func:`render`)."""
    syntax = draw(st.sampled_from(SYNTAXES))
    messages = [draw(_message(f"M{i}", syntax, 0)) for i in range(draw(st.integers(1, 3)))]
    enums = [draw(_enum(f"E{i}", syntax)) for i in range(draw(st.integers(0, 2)))]
    services = [
        (f"S{i}", [(f"Do{j}", "M0", messages[-1].name) for j in range(draw(st.integers(0, 2)))])
        for i in range(draw(st.integers(0, 1)))
    ]
    file = File(syntax, messages, enums, services)
    if syntax != "proto3":  # proto3 cannot extend its own messages
        number = 100
        for message in [m for top in messages for m in _all(top)][:3]:
            if draw(st.booleans()):
                message.extensions.append(Field(f"x_{message.name.lower()}", number, "int32"))
                number += 1
        if draw(st.booleans()):
            file.extensions.append(Field("top_x", number, "string"))
    file.closed_enums = syntax == "editions" and draw(st.booleans())
    return file


def _all(message: Message) -> list[Message]:
    return [message, *(m for nested in message.nested for m in _all(nested))]


# -- rendering -------------------------------------------------------------------------
def render(file: File, package: str) -> str:
    """The file's text, in package ``package``."""
    head = 'edition = "2023";' if file.syntax == "editions" else f'syntax = "{file.syntax}";'
    out = [head, f"package {package};"]
    if file.closed_enums:
        out.append("option features.enum_type = CLOSED;")
    for enum in file.enums:
        out += _render_enum(enum, file.syntax, "")
    for message in file.messages:
        out += _render_message(message, file, "", top=message is file.messages[0])
    for name, rpcs in file.services:
        out.append(f"service {name} {{")
        out += [f"  rpc {rpc}({i}) returns ({o});" for rpc, i, o in rpcs]
        out.append("}")
    if file.extensions:
        out.append(f"extend {file.messages[0].name} {{")
        out += ["  " + _render_field(x, file.syntax, extension=True) for x in file.extensions]
        out.append("}")
    return "\n".join(out) + "\n"


def _render_enum(enum: Enum, syntax: str, indent: str) -> list[str]:
    out = [f"{indent}enum {enum.name} {{"]
    if enum.closed is not None:
        out.append(f"{indent}  option features.enum_type = {'CLOSED' if enum.closed else 'OPEN'};")
    out += [f"{indent}  {value} = {i};" for i, value in enumerate(enum.values)]
    return [*out, f"{indent}}}"]


def _render_field(f: Field, syntax: str, *, extension: bool = False) -> str:
    label = f.label
    if extension and syntax == "proto2":
        label = "optional"
    options = f" [features.field_presence = {f.presence}]" if f.presence else ""
    return f"{label + ' ' if label else ''}{f.type} {f.name} = {f.number}{options};"


def _render_message(message: Message, file: File, indent: str, *, top: bool) -> list[str]:
    inner = indent + "  "
    out = [f"{indent}message {message.name} {{"]
    if message.json_legacy:
        out.append(f"{inner}option features.json_format = LEGACY_BEST_EFFORT;")
    for enum in message.enums:
        out += _render_enum(enum, file.syntax, inner)
    for nested in message.nested:
        out += _render_message(nested, file, inner, top=False)
    out += [inner + _render_field(f, file.syntax) for f in message.fields]
    if message.oneof:
        out.append(f"{inner}oneof choice {{")
        out += [f"{inner}  {f.type} {f.name} = {f.number};" for f in message.oneof]
        out.append(f"{inner}}}")
    if top and file.syntax != "proto3":
        out.append(f"{inner}extensions 100 to 199;")
    if message.extensions:
        out.append(f"{inner}extend {file.messages[0].name} {{")
        out += [
            inner + "  " + _render_field(x, file.syntax, extension=True) for x in message.extensions
        ]
        out.append(f"{inner}}}")
    return [*out, f"{indent}}}"]


# -- mutations -------------------------------------------------------------------------
def mutate(file: File, rng: random.Random) -> File:
    """A copy of ``file`` with one change that a breaking check may report, chosen among
    those that keep the file valid."""
    new = copy.deepcopy(file)
    messages = [m for top in new.messages for m in _all(top)]
    enums = [*new.enums, *(e for m in messages for e in m.enums)]
    fields = [(m, f) for m in messages for f in m.fields]
    choices = []
    if any(len(e.values) > 1 for e in enums):
        choices.append("delete_value")
    if enums:
        choices += ["rename_value"]
        if new.syntax == "editions":
            choices.append("flip_closed")
    if fields:
        choices += ["delete_field", "retype_field", "rename_field"]
    if new.syntax == "editions":
        choices.append("json_format")
    if any(m.extensions for m in messages) or new.extensions:
        choices.append("delete_extension")
    if any(rpcs for _, rpcs in new.services):
        choices.append("delete_rpc")
    if any(m.oneof for m in messages):
        choices.append("delete_oneof_field")
    what = rng.choice(choices) if choices else "none"
    if what == "delete_value":
        enum = rng.choice([e for e in enums if len(e.values) > 1])
        enum.values.pop()
    elif what == "rename_value":
        enum = rng.choice(enums)
        enum.values[-1] += "_RENAMED"
    elif what == "flip_closed":
        enum = rng.choice(enums)
        enum.closed = not (enum.closed if enum.closed is not None else new.closed_enums)
    elif what == "delete_field":
        message, f = rng.choice(fields)
        message.fields.remove(f)
    elif what == "retype_field":
        _, f = rng.choice(fields)
        f.type = "int64" if f.type != "int64" else "uint64"
    elif what == "rename_field":
        _, f = rng.choice(fields)
        f.name += "_renamed"
    elif what == "json_format":
        message = rng.choice(messages)
        message.json_legacy = not message.json_legacy
    elif what == "delete_extension":
        owners = [m for m in messages if m.extensions]
        if owners and (not new.extensions or rng.random() < 0.5):
            rng.choice(owners).extensions.pop()
        else:
            new.extensions.pop()
    elif what == "delete_rpc":
        _, rpcs = rng.choice([s for s in new.services if s[1]])
        rpcs.pop()
    elif what == "delete_oneof_field":
        rng.choice([m for m in messages if m.oneof]).oneof.pop()
    return new
