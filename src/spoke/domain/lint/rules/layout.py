"""Rules on how files, packages and directories line up, and on what every file must
declare. Findings sit on the ``package`` (or option) statement, or on the file when the
statement is missing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Literal

from google.protobuf import descriptor_pb2 as d

from spoke.domain.lint import walk
from spoke.domain.lint.context import Check, Context, Problem, q


def _directory(file: d.FileDescriptorProto) -> str:
    head, slash, _ = file.name.rpartition("/")
    return head if slash else "."


def _package_path(ctx: Context, file: d.FileDescriptorProto) -> walk.Path | None:
    return ctx.located_or_file(file, (walk.FILE_PACKAGE,))


def package_defined(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        if not file.package:
            yield ctx.at(file, None, "Files must have a package defined.")


def syntax_specified(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        # protoc leaves ``syntax`` empty for proto2 whether or not the file said so; the
        # statement's source location tells the two apart.
        declared = file.syntax or ctx.has_location(file, (walk.FILE_SYNTAX,))
        if not declared and not ctx.has_location(file, (walk.FILE_EDITION,)):
            yield ctx.at(
                file,
                None,
                "Files must have a syntax explicitly specified. If no syntax is specified, "
                'the file defaults to "proto2".',
            )


def package_directory_match(ctx: Context) -> Iterator[Problem]:
    for file in ctx.files:
        if not file.package:
            continue
        expected = file.package.replace(".", "/")
        directory = _directory(file)
        if directory != expected:
            yield ctx.at(
                file,
                _package_path(ctx, file),
                f"Files with package {q(file.package)} must be within a directory "
                f"{q(expected)} relative to root but were in directory {q(directory)}.",
            )


def directory_same_package(ctx: Context) -> Iterator[Problem]:
    by_directory: dict[str, list[d.FileDescriptorProto]] = defaultdict(list)
    for file in ctx.files:
        by_directory[_directory(file)].append(file)
    for directory, files in by_directory.items():
        packages = {file.package for file in files}
        if len(packages) < 2:
            continue
        named = ",".join(sorted(packages - {""}))
        if "" not in packages:
            message = f"Multiple packages {q(named)} detected within directory {q(directory)}."
        else:
            lead = "Package" if len(packages) == 2 else "Multiple packages"
            message = (
                f"{lead} {q(named)} and file with no package detected within directory "
                f"{q(directory)}."
            )
        for file in files:
            yield ctx.at(file, _package_path(ctx, file), message)


def package_same_directory(ctx: Context) -> Iterator[Problem]:
    by_package: dict[str, list[d.FileDescriptorProto]] = defaultdict(list)
    for file in ctx.files:
        by_package[file.package].append(file)
    for package, files in by_package.items():
        directories = {_directory(file) for file in files}
        if len(directories) < 2:
            continue
        message = (
            f"Multiple directories {q(','.join(sorted(directories)))} contain files with "
            f"package {q(package)}."
        )
        for file in files:
            yield ctx.at(file, _package_path(ctx, file), message)


# The file options that must agree across a package (one rule each).
_SharedOption = Literal[
    "csharp_namespace",
    "go_package",
    "java_multiple_files",
    "java_package",
    "php_namespace",
    "ruby_package",
    "swift_prefix",
]


def _option_value(options: d.FileOptions, name: _SharedOption) -> str | None:
    if not options.HasField(name):
        return None
    value = getattr(options, name)
    # Go's formatting of a bool, as buf prints it.
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _package_same(option: _SharedOption) -> Check:
    number = d.FileOptions.DESCRIPTOR.fields_by_name[option].number

    def check(ctx: Context) -> Iterator[Problem]:
        by_package: dict[str, list[d.FileDescriptorProto]] = defaultdict(list)
        for file in ctx.files:
            # Files without a package form a group of their own, as in buf.
            by_package[file.package].append(file)
        for package, files in by_package.items():
            values = {_option_value(file.options, option) for file in files}
            if len(values) < 2:
                continue
            listed = q(",".join(sorted(v for v in values if v is not None)))
            if None in values:
                message = (
                    f"Files in package {q(package)} have both values {listed} and no value "
                    f"for option {q(option)} and all values must be equal."
                )
            else:
                message = (
                    f"Files in package {q(package)} have multiple values {listed} for "
                    f"option {q(option)} and all values must be equal."
                )
            for file in files:
                path = ctx.located_or_file(file, (walk.FILE_OPTIONS, number))
                yield ctx.at(file, path, message)

    check.__name__ = f"package_same_{option}"
    return check


package_same_csharp_namespace = _package_same("csharp_namespace")
package_same_go_package = _package_same("go_package")
package_same_java_multiple_files = _package_same("java_multiple_files")
package_same_java_package = _package_same("java_package")
package_same_php_namespace = _package_same("php_namespace")
package_same_ruby_package = _package_same("ruby_package")
package_same_swift_prefix = _package_same("swift_prefix")
