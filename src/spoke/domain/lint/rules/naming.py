"""Rules on how things are named: casing, prefixes, suffixes, package versions and
file names. Each finding points at the offending name."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from spoke.domain.lint import walk
from spoke.domain.lint.casing import to_lower_snake, to_pascal, to_upper_snake
from spoke.domain.lint.context import Context, Problem, q
from spoke.domain.lint.package_versions import parse_package_version


def _casing(kind: str, style: str, convert: Callable[[str], str], name: str) -> str | None:
    expected = convert(name)
    if name == expected:
        return None
    return f"{kind} name {q(name)} should be {style}, such as {q(expected)}."


def enum_pascal_case(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for enum in walk.enums(file):
            if message := _casing("Enum", "PascalCase", to_pascal, enum.node.name):
                yield ctx.at(file, enum.child(walk.NAME), message)


def enum_value_upper_snake_case(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for enum in walk.enums(file):
            for value in walk.enum_values(enum):
                name = value.node.name
                if message := _casing("Enum value", "UPPER_SNAKE_CASE", to_upper_snake, name):
                    yield ctx.at(file, value.child(walk.NAME), message)


def field_lower_snake_case(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for field in walk.fields(file):
            name = field.node.name
            if message := _casing("Field", "lower_snake_case", to_lower_snake, name):
                yield ctx.at(file, field.child(walk.NAME), message)


def field_no_descriptor(ctx: Context) -> Iterator[Problem]:
    """v1beta1 only: a field named like ``descriptor`` clashes with generated accessors."""
    for file in ctx.files:
        for field in walk.fields(file):
            name = field.node.name
            if name.strip("_").lower() == "descriptor":
                yield ctx.at(
                    file,
                    field.child(walk.NAME),
                    f'Field name "{name}" cannot be any capitalization of "descriptor" with any '
                    "number of prefix or suffix underscores.",
                )


def message_pascal_case(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for msg in walk.messages(file):
            if message := _casing("Message", "PascalCase", to_pascal, msg.node.name):
                yield ctx.at(file, msg.child(walk.NAME), message)


def oneof_lower_snake_case(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for oneof in walk.oneofs(file):
            name = oneof.node.name
            if message := _casing("Oneof", "lower_snake_case", to_lower_snake, name):
                yield ctx.at(file, oneof.child(walk.NAME), message)


def rpc_pascal_case(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for _, method in walk.all_methods(file):
            if message := _casing("RPC", "PascalCase", to_pascal, method.node.name):
                yield ctx.at(file, method.child(walk.NAME), message)


def service_pascal_case(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for service in walk.services(file):
            if message := _casing("Service", "PascalCase", to_pascal, service.node.name):
                yield ctx.at(file, service.child(walk.NAME), message)


def package_lower_snake_case(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        package = file.package
        if not package:
            continue
        # Each dot-separated component on its own: the dots stay.
        expected = ".".join(to_lower_snake(part) for part in package.split("."))
        if package != expected:
            yield ctx.at(
                file,
                ctx.located_or_file(file, (walk.FILE_PACKAGE,)),
                f"Package name {q(package)} should be lower_snake.case, such as {q(expected)}.",
            )


def package_version_suffix(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        package = file.package
        if package and parse_package_version(package) is None:
            yield ctx.at(
                file,
                ctx.located_or_file(file, (walk.FILE_PACKAGE,)),
                f"Package name {q(package)} should be suffixed with a correctly formed "
                f"version, such as {q(package + '.v1')}.",
            )


def file_lower_snake_case(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        base = file.name.rsplit("/", 1)[-1]
        stem, dot, extension = base.rpartition(".")
        if not dot:
            stem, extension = base, ""
        expected = to_lower_snake(stem)
        if stem and stem != expected:
            suggestion = expected + (f".{extension}" if dot else "")
            yield ctx.at(
                file,
                None,
                f"Filename {q(base)} should be lower_snake_case.proto, such as {q(suggestion)}.",
            )


def enum_value_prefix(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        for enum in walk.enums(file):
            prefix = to_upper_snake(enum.node.name) + "_"
            for value in walk.enum_values(enum):
                if not value.node.name.startswith(prefix):
                    yield ctx.at(
                        file,
                        value.child(walk.NAME),
                        f"Enum value name {q(value.node.name)} should be prefixed with "
                        f"{q(prefix)}.",
                    )


def enum_zero_value_suffix(ctx: Context) -> Iterator[Problem]:
    suffix = ctx.config.enum_zero_value_suffix
    for file in ctx.files:
        for enum in walk.enums(file):
            for value in walk.enum_values(enum):
                name = value.node.name
                if value.node.number == 0 and not name.endswith(suffix):
                    yield ctx.at(
                        file,
                        value.child(walk.NAME),
                        f"Enum zero value name {q(name)} should be suffixed with {q(suffix)}.",
                    )


def service_suffix(ctx: Context) -> Iterator[Problem]:
    suffix = ctx.config.service_suffix
    for file in ctx.files:
        for service in walk.services(file):
            name = service.node.name
            if not name.endswith(suffix):
                yield ctx.at(
                    file,
                    service.child(walk.NAME),
                    f"Service name {q(name)} should be suffixed with {q(suffix)}.",
                )
