"""Authorization, in one place: the dependency every route declares with the permission
it needs (``Depends(requires(Permission.READ))``), and the filter for lists."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from spoke.auth import AuthMode, Forbidden, HiddenModule, Principal, Unauthenticated
from spoke.auth.authenticator import Authenticator
from spoke.domain.access import Permission
from spoke.domain.errors import ModuleNotFound
from spoke.domain.models import Module
from spoke.storage.cache.memory import MemoryCache
from spoke.storage.metadata import MetadataStore

# Documents the scheme in OpenAPI; the header itself is read by ``Access.principal``.
bearer = HTTPBearer(auto_error=False, description="An API key (spoke_…) or a JWT.")
_VISIBILITY_TTL = 5.0  # seconds a module's public flag is trusted in this process


class Access:
    def __init__(self, authenticator: Authenticator, metadata: MetadataStore) -> None:
        self.authenticator = authenticator
        self._metadata = metadata
        self._visibility = MemoryCache(max_entries=10_000, tier="visibility")

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

    async def _public(self, module: str) -> bool | None:
        """The module's visibility; None when there is no such module."""
        key = f"visible:{module}"
        if (hit := await self._visibility.get(key)) is not None:
            return hit == b"1"
        try:
            public = (await self._metadata.get_module(module)).public
        except ModuleNotFound:
            return None
        await self._visibility.set(key, b"1" if public else b"0", _VISIBILITY_TTL)
        return public

    async def authorize(
        self, principal: Principal, permission: Permission, module: str | None
    ) -> None:
        """Raise unless ``principal`` may do ``permission`` on ``module`` (None: the registry).

        401 for the anonymous where a credential is needed, 404 for a private module the
        principal may not read (its existence is not revealed), 403 otherwise.
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
            public = await self._public(module)
            if public is None or public:
                return  # a missing module is 404 from the route; public is readable
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
