"""The error categories every layer raises.

Each category maps to one HTTP status in ``api/errors.py``; concrete errors (in
``domain`` or beside a storage port) subclass a category and set a stable ``code``.
"""

from __future__ import annotations

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
    code = "has_dependents"


class CompileFailed(Unprocessable):
    code = "compile_failed"


class DependencyError(Unprocessable):
    code = "dependency_error"
