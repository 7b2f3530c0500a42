"""Authorization, in one place: who a request acts as, what it may do (the rules behind
``spoke.api.deps.requires``, the check every route declares), and the filter for lists."""

from __future__ import annotations

import structlog
from fastapi import Request

from spoke.auth import AuthMode, Forbidden, HiddenModule, Principal, Unauthenticated
from spoke.auth.authenticator import Authenticator
from spoke.domain.access import Permission
from spoke.domain.errors import SpokeError
from spoke.domain.models import Module
from spoke.domain.names import validate_module_name
from spoke.services.visibility import EVERYTHING, ReadScope, Visibility


class _PrincipalScope:
    """What one principal may read: its grants, and every public module."""

    def __init__(self, principal: Principal, visibility: Visibility) -> None:
        self._principal = principal
        self._visibility = visibility

    async def may_read(self, module: str) -> bool:
        return (
            self._principal.may(Permission.READ, module)
            or await self._visibility.public(module) is True
        )


class Access:
    def __init__(self, authenticator: Authenticator, visibility: Visibility) -> None:
        self.authenticator = authenticator
        self.visibility = visibility

    @property
    def mode(self) -> AuthMode:
        return self.authenticator.mode

    async def principal(self, request: Request) -> Principal:
        cached: Principal | None = getattr(request.state, "principal", None)
        if cached is None:
            cached = await self.authenticator.principal(request.headers.get("authorization"))
            request.state.principal = cached
            structlog.contextvars.bind_contextvars(principal=cached.subject)
        return cached

    async def reads(self, authorization: str | None, module: str) -> Principal | None:
        """The principal of ``authorization`` when it may read ``module``, else None (an
        invalid credential included): the precomputed answers' check. It raises nothing,
        so a refusal is left to the route, which answers and audits it."""
        try:
            principal = await self.authenticator.principal(authorization)
            await self.authorize(principal, Permission.READ, module)
        except SpokeError:
            return None
        return principal

    async def shareable(self, module: str) -> bool:
        """Whether anyone may read ``module`` without a credential (auth off, or a public
        module in ``read-public``): only then may shared caches keep its answers."""
        if self.mode is AuthMode.NONE:
            return True
        return self.mode is AuthMode.READ_PUBLIC and await self.visibility.public(module) is True

    def scope(self, principal: Principal) -> ReadScope:
        """The modules ``principal`` may read, for services that reach into other
        modules (dependency closures) on its behalf."""
        if self.mode is AuthMode.NONE or principal.may(Permission.READ, None):
            return EVERYTHING
        return _PrincipalScope(principal, self.visibility)

    async def authorize(
        self, principal: Principal, permission: Permission, module: str | None
    ) -> None:
        """Raise unless ``principal`` may do ``permission`` on ``module`` (None: the registry).

        401 for the anonymous where a credential is needed, 404 for a private module the
        principal may not read, 403 otherwise. A read of a module that does not exist is
        answered here too, with the very 404 a private one gets: what follows in the route
        (validating a version, a path, a page token) must not tell the two apart.
        """
        if self.mode is AuthMode.NONE or principal.may(permission, module):
            return
        if self.mode is AuthMode.REQUIRED and not principal.authenticated:
            raise Unauthenticated(
                "this registry needs a credential: send 'Authorization: Bearer <token>'"
            )
        if permission is Permission.READ:
            if module is None:
                return  # registry-wide reads; lists are filtered with ``can_read``
            if await self.visibility.public(validate_module_name(module)):
                return
            raise HiddenModule(module)
        if not principal.authenticated:
            raise Unauthenticated(f"{permission} access needs a credential")
        target = f"module {module!r}" if module else "the registry"
        raise Forbidden(
            f"{principal.subject} may not {permission} {target}",
            details={"permission": str(permission), "module": module},
        )

    def can_read(self, principal: Principal, module: Module) -> bool:
        return (
            self.mode is AuthMode.NONE
            or module.public
            or principal.may(Permission.READ, module.name)
        )
