"""The PACKAGE category's deletions: a package, or a message, enum, extension or service
gone from its package (moving between files of one package is fine)."""

from __future__ import annotations

from collections import defaultdict

from spoke.domain.breaking.index import Element, Index
from spoke.domain.breaking.report import Report


def _by_package(elements: list[Element]) -> dict[str, dict[str, Element]]:
    found: dict[str, dict[str, Element]] = defaultdict(dict)
    for element in elements:
        found[element.package][element.nested_name] = element
    return found


def _packages(index: Index) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for path, file in index.files.items():
        found[file.package].append(path)
    return found


def check_packages(report: Report) -> None:
    new_packages, old_packages = _packages(report.new), _packages(report.old)
    if report.wants("PACKAGE_NO_DELETE"):
        for package, files in sorted(old_packages.items()):
            if package not in new_packages:
                report.add(
                    "PACKAGE_NO_DELETE",
                    None,
                    f'Previously present package "{package}" was deleted.',
                    against=sorted(files)[0],
                )
    kinds: list[tuple[str, str, list[Element], list[Element]]] = [
        (
            "PACKAGE_MESSAGE_NO_DELETE",
            "message",
            list(report.new.messages.values()),
            list(report.old.messages.values()),
        ),
        (
            "PACKAGE_ENUM_NO_DELETE",
            "enum",
            list(report.new.enums.values()),
            list(report.old.enums.values()),
        ),
        (
            "PACKAGE_EXTENSION_NO_DELETE",
            "extension",
            list(report.new.extensions),
            list(report.old.extensions),
        ),
        (
            "PACKAGE_SERVICE_NO_DELETE",
            "service",
            list(report.new.services.values()),
            list(report.old.services.values()),
        ),
    ]
    for rule, kind, now, before in kinds:
        if not report.wants(rule):
            continue
        now_by_package = _by_package(now)
        for package, elements in sorted(_by_package(before).items()):
            # A package that is gone is PACKAGE_NO_DELETE's. buf asks whether the package
            # still has a file for services, but still has one of the kind for the others
            # (the last message of a package moving out is not reported; a service is).
            still_there = new_packages if kind == "service" else now_by_package
            if package not in still_there:
                continue
            for name, element in sorted(elements.items()):
                if name in now_by_package.get(package, {}):
                    continue
                message = (
                    f'Previously present {kind} "{name}" was deleted from package "{package}".'
                )
                if element.file not in report.new.files:
                    report.add(rule, None, message, against=element)
                elif kind == "service":
                    report.add(rule, None, message, file=element.file, against=element)
                else:
                    report.add(
                        rule,
                        _enclosing(report.new, package, name),
                        message,
                        file=element.file,
                        against=element,
                    )


def _enclosing(index: Index, package: str, nested_name: str) -> Element | None:
    """Where buf points for an element gone from its package (its file still there): the
    nearest enclosing message still in the package, whichever file now declares it;
    None: the old file, at 1:1."""
    parts = nested_name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        outer = ".".join(parts[:i])
        found = index.messages.get(f"{package}.{outer}" if package else outer)
        if found is not None:
            return found
    return None
