"""Authorization, in one place: the dependency every route declares with the permission
it needs (``Depends(requires(Permission.READ))``), and the filter for lists."""

from __future__ import annotations

from typing import Annotated, Any

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from spoke.auth import AuthMode, Forbidden, HiddenModule, Principal, Unauthenticated
from spoke.auth.authenticator import Authenticator
from spoke.domain.access import Permission
from spoke.domain.models import Module
from spoke.domain.names import validate_module_name
from spoke.services.visibility import EVERYTHING, ReadScope, Visibility

# Documents the scheme in OpenAPI; the header itself is read by ``Access.principal``.
bearer = HTTPBearer(auto_error=False, description="An API key (spoke_…) or a JWT.")


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


def requires(permission: Permission, *, per_module: bool = True) -> Any:
    """A route dependency: the request's principal, once it may ``permission`` on the
    module named by the route's ``name`` parameter (or on the registry)."""

    async def check(request: Request, _: Any = Depends(bearer)) -> Principal:
        access: Access = request.app.state.access
        principal = await access.principal(request)
        module = request.path_params.get("name") if per_module else None
        await access.authorize(principal, permission, module)
        return principal

    return Depends(check)


async def _read_scope(request: Request) -> ReadScope:
    access: Access = request.app.state.access
    return access.scope(await access.principal(request))


#: The modules the request's caller may read, for services that resolve dependencies.
CallerScope = Annotated[ReadScope, Depends(_read_scope)]
