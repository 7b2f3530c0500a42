"""Authentication (API keys, JWT) and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from spoke.domain.access import Grant, Permission, allowed
from spoke.domain.errors import ModuleNotFound, SpokeError


class AuthMode(StrEnum):
    NONE = "none"  # everything allowed (a laptop)
    REQUIRED = "required"  # every API request needs a credential
    READ_PUBLIC = "read-public"  # anonymous reads of public modules


class Unauthenticated(SpokeError):
    """No credential where one is needed, or one that does not verify (401)."""

    code = "unauthenticated"


class Forbidden(SpokeError):
    """Authenticated, but not allowed (403)."""

    code = "forbidden"


class HiddenModule(ModuleNotFound):
    """A read refused because the principal may not read the module: answered exactly as
    a missing module (404, same code and message), so its existence is not revealed, but
    recorded in the audit log as the refusal it is."""


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: ``key:NAME``, ``jwt:SUBJECT``, or anonymous."""

    subject: str
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    authenticated: bool = True

    def may(self, permission: Permission, module: str | None = None) -> bool:
        return allowed(self.grants, permission, module)


ANONYMOUS = Principal("anonymous", (), authenticated=False)
EVERYONE = Principal("local", (Grant(Permission.ADMIN),), authenticated=False)
