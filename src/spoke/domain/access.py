"""Permissions and grants: who may do what to which modules. Pure rules, no I/O.

A grant gives a permission over a scope: every module (``*``), one module
(``acme.pay``) or a name prefix (``acme.*``, for a team). ``admin`` implies ``write``,
which implies ``read``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from spoke.domain.errors import InvalidArgument

EVERYTHING = "*"
_SCOPE = re.compile(r"\*|[a-z][a-z0-9._-]{0,99}\*?")


class Permission(IntEnum):
    READ = 1
    WRITE = 2
    ADMIN = 3

    @classmethod
    def parse(cls, text: str) -> Permission:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise InvalidArgument(
                f"unknown permission {text!r}: use read, write or admin",
                details={"permission": text},
            ) from None

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Grant:
    permission: Permission
    scope: str = EVERYTHING

    @classmethod
    def parse(cls, text: str) -> Grant:
        """``admin``, ``read:acme.pay`` or ``write:acme.*``: a role as tokens carry it."""
        permission, _, scope = text.partition(":")
        return cls(Permission.parse(permission), validate_scope(scope or EVERYTHING))

    def covers(self, permission: Permission, module: str | None) -> bool:
        """Whether this grant allows ``permission`` on ``module`` (None: registry-wide)."""
        if self.permission < permission:
            return False
        if self.scope == EVERYTHING:
            return True
        if module is None:
            return False
        if self.scope.endswith("*"):
            return module.startswith(self.scope[:-1])
        return module == self.scope

    def __str__(self) -> str:
        return (
            str(self.permission) if self.scope == EVERYTHING else f"{self.permission}:{self.scope}"
        )


def validate_scope(scope: str) -> str:
    if not _SCOPE.fullmatch(scope):
        raise InvalidArgument(
            f"invalid grant scope {scope!r}: use *, a module name, or a prefix ending in *",
            details={"scope": scope},
        )
    return scope


def allowed(grants: tuple[Grant, ...], permission: Permission, module: str | None) -> bool:
    return any(grant.covers(permission, module) for grant in grants)
