"""File-level rules: deleted files, and files whose package, syntax or options changed;
elements deleted from a file (messages, enums, extensions, services)."""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor_pb2 import FileDescriptorProto, FileOptions

from spoke.domain.breaking.index import FILE_OPTIONS, FILE_PACKAGE, FILE_SYNTAX, Element, Index
from spoke.domain.breaking.report import Report, quote
from spoke.domain.breaking.semantics import syntax_label

#: rule -> the FileOptions field it compares.
FILE_OPTION_RULES = {
    "FILE_SAME_CC_ENABLE_ARENAS": "cc_enable_arenas",
    "FILE_SAME_CC_GENERIC_SERVICES": "cc_generic_services",
    "FILE_SAME_CSHARP_NAMESPACE": "csharp_namespace",
    "FILE_SAME_GO_PACKAGE": "go_package",
    "FILE_SAME_JAVA_GENERIC_SERVICES": "java_generic_services",
    "FILE_SAME_JAVA_MULTIPLE_FILES": "java_multiple_files",
    "FILE_SAME_JAVA_OUTER_CLASSNAME": "java_outer_classname",
    "FILE_SAME_JAVA_PACKAGE": "java_package",
    "FILE_SAME_OBJC_CLASS_PREFIX": "objc_class_prefix",
    "FILE_SAME_OPTIMIZE_FOR": "optimize_for",
    "FILE_SAME_PHP_CLASS_PREFIX": "php_class_prefix",
    "FILE_SAME_PHP_METADATA_NAMESPACE": "php_metadata_namespace",
    "FILE_SAME_PHP_NAMESPACE": "php_namespace",
    "FILE_SAME_PY_GENERIC_SERVICES": "py_generic_services",
    "FILE_SAME_RUBY_PACKAGE": "ruby_package",
    "FILE_SAME_SWIFT_PREFIX": "swift_prefix",
}


def _option_text(options: FileOptions, name: str) -> str:
    value: Any = getattr(options, name)
    if isinstance(value, bool):
        return "true" if value else "false"
    if name == "optimize_for":
        return str(FileOptions.OptimizeMode.Name(value))
    return str(value)


def check_files(report: Report) -> None:
    new, old = report.new, report.old
    if report.wants("FILE_NO_DELETE"):
        for path in sorted(set(old.files) - set(new.files)):
            report.add(
                "FILE_NO_DELETE",
                None,
                f'Previously present file "{path}" was deleted.',
                against=path,
            )
    for path in sorted(set(old.files) & set(new.files)):
        _file_pair(report, path, new.files[path], old.files[path])


def _file_pair(
    report: Report, path: str, file: FileDescriptorProto, previous: FileDescriptorProto
) -> None:
    for rule, option in FILE_OPTION_RULES.items():
        if not report.wants(rule):
            continue
        before = _option_text(previous.options, option)
        after = _option_text(file.options, option)
        if before != after:
            number = FileOptions.DESCRIPTOR.fields_by_name[option].number
            report.add(
                rule,
                (path, (FILE_OPTIONS, number)),
                f'File option "{option}" changed from {quote(before)} to {quote(after)}.',
                file=path,
                against=path,
            )
    _same(
        report,
        "FILE_SAME_SYNTAX",
        path,
        FILE_SYNTAX,
        "syntax",
        syntax_label(previous),
        syntax_label(file),
    )
    _same(
        report, "FILE_SAME_PACKAGE", path, FILE_PACKAGE, "package", previous.package, file.package
    )
    for rule, kind, elements in (
        ("MESSAGE_NO_DELETE", "message", "messages"),
        ("ENUM_NO_DELETE", "enum", "enums"),
    ):
        if report.wants(rule):
            _deleted_from_file(report, rule, kind, path, elements)
    if report.wants("EXTENSION_NO_DELETE"):
        _extensions_deleted(report, path)
    if report.wants("SERVICE_NO_DELETE"):
        now = report.new.in_file(report.new.services, path)
        for name, service in sorted(report.old.in_file(report.old.services, path).items()):
            if name not in now:
                report.add(
                    "SERVICE_NO_DELETE",
                    None,
                    f'Previously present service "{name}" was deleted from file.',
                    file=path,
                    against=service,
                )


def _same(
    report: Report, rule: str, path: str, step: int, what: str, before: str, after: str
) -> None:
    if report.wants(rule) and before != after:
        report.add(
            rule,
            (path, (step,)),
            f"File {what} changed from {quote(before)} to {quote(after)}.",
            file=path,
            against=path,
        )


def deleted_location(index: Index, file: str, nested_name: str) -> Element | None:
    """Where buf points for an element deleted from ``file``: its nearest enclosing
    message that still exists there (None: the file, at 1:1)."""
    parts = nested_name.split(".")
    messages = index.in_file(index.messages, file)
    for i in range(len(parts) - 1, 0, -1):
        found = messages.get(".".join(parts[:i]))
        if found is not None:
            return found
    return None


def _deleted_from_file(report: Report, rule: str, kind: str, path: str, which: str) -> None:
    now = report.new.in_file(getattr(report.new, which), path)
    before = report.old.in_file(getattr(report.old, which), path)
    for name, element in sorted(before.items()):
        if name not in now:
            report.add(
                rule,
                deleted_location(report.new, path, name),
                f'Previously present {kind} "{name}" was deleted from file.',
                file=path,
                against=element,
            )


def _extensions_deleted(report: Report, path: str) -> None:
    now = {e.nested_name for e in report.new.extensions if e.file == path}
    for element in sorted(report.old.extensions, key=lambda e: e.nested_name):
        if element.file == path and element.nested_name not in now:
            report.add(
                "EXTENSION_NO_DELETE",
                deleted_location(report.new, path, element.nested_name),
                f'Previously present extension "{element.nested_name}" was deleted from file.',
                file=path,
                against=element,
            )
