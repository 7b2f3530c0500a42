"""The error categories every layer raises.

Each category maps to one HTTP status in ``api/errors.py``; concrete errors (in
``domain`` or beside a storage port) subclass a category and set a stable ``code``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class SpokeError(Exception):
    """Base of every error the registry reports to a caller."""

    code = "internal"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidArgument(SpokeError):
    """The request is well-formed but a value in it is not acceptable."""

    code = "invalid_argument"


class NotFound(SpokeError):
    code = "not_found"


class Conflict(SpokeError):
    code = "conflict"


class TooLarge(SpokeError):
    code = "too_large"


class Unprocessable(SpokeError):
    """The request is valid but its content cannot be accepted (bad protos, bad deps)."""

    code = "unprocessable"


class Unavailable(SpokeError):
    """A backend the request needs does not answer."""

    code = "unavailable"


class ModuleNotFound(NotFound):
    code = "module_not_found"

    def __init__(self, module: str) -> None:
        super().__init__(f"module {module!r} does not exist", details={"module": module})


class VersionNotFound(NotFound):
    code = "version_not_found"

    def __init__(self, module: str, version: str) -> None:
        super().__init__(
            f"version {version!r} of module {module!r} does not exist",
            details={"module": module, "version": version},
        )


class FileNotFound(NotFound):
    code = "file_not_found"

    def __init__(self, module: str, version: str, path: str) -> None:
        super().__init__(
            f"file {path!r} is not in {module}@{version}",
            details={"module": module, "version": version, "path": path},
        )


class ModuleExists(Conflict):
    code = "module_exists"

    def __init__(self, module: str) -> None:
        super().__init__(f"module {module!r} already exists", details={"module": module})


class VersionConflict(Conflict):
    code = "version_conflict"


class Deleted(Conflict):
    """The module or version was (soft-)deleted: restore it to use it again."""

    code = "deleted"


class HasDependents(Conflict):
    """``target`` cannot go: ``dependents`` (``module@version``) pin it. ``hidden`` more
    do, in modules the caller may not read (counted, never named)."""

    code = "has_dependents"

    def __init__(self, target: str, dependents: Sequence[str], *, hidden: int = 0) -> None:
        self.target = target
        self.dependents = list(dependents)
        named = self.dependents[:5]
        shown = ", ".join(named) + (
            f" and {len(self.dependents) - 5} more" if len(self.dependents) > 5 else ""
        )
        if hidden:
            private = f"{hidden} version(s) of modules you may not read"
            shown = f"{shown} and {private}" if named else private
        super().__init__(
            f"{target} is a dependency of {shown}",
            details={"dependents": self.dependents, "hidden": hidden},
        )

    def seen_by(self, visible: Sequence[str]) -> HasDependents:
        """The same refusal, naming only ``visible`` of the dependents."""
        keep = set(visible)
        shown = [d for d in self.dependents if d in keep]
        return HasDependents(self.target, shown, hidden=len(self.dependents) - len(shown))


class CompileFailed(Unprocessable):
    code = "compile_failed"


class DependencyError(Unprocessable):
    code = "dependency_error"
