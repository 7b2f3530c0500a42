"""The route dependencies, the one way routers get collaborators: typed ``Annotated``
aliases over what the app's lifespan built (``app.state``), and the authorization check
every route declares (``requires``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from spoke.api.access import Access
from spoke.api.pagination import PageTokens
from spoke.auth import Principal
from spoke.domain.access import Permission
from spoke.services.registry import Services
from spoke.services.visibility import ReadScope
from spoke.storage.audit import AuditLog

# Documents the scheme in OpenAPI; the header itself is read by ``Access.principal``.
bearer = HTTPBearer(auto_error=False, description="An API key (spoke_…) or a JWT.")

# Every dependency is ``async def``: FastAPI runs a plain ``def`` one in a worker thread, a
# hop that cost a fifth of a cached read.


async def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _access(request: Request) -> Access:
    access: Access = request.app.state.access
    return access


async def _audit(request: Request) -> AuditLog:
    audit: AuditLog = request.app.state.audit
    return audit


async def _page_tokens(request: Request) -> PageTokens:
    tokens: PageTokens = request.app.state.page_tokens
    return tokens


ServicesDep = Annotated[Services, Depends(_services)]
AccessDep = Annotated[Access, Depends(_access)]
AuditDep = Annotated[AuditLog, Depends(_audit)]
PageTokensDep = Annotated[PageTokens, Depends(_page_tokens)]


def requires(permission: Permission, *, per_module: bool = True) -> Any:
    """A route dependency: the request's principal, once it may ``permission`` on the
    module named by the route's ``name`` parameter (or on the registry)."""

    async def check(request: Request, access: AccessDep, _: Any = Depends(bearer)) -> Principal:
        principal = await access.principal(request)
        module = request.path_params.get("name") if per_module else None
        await access.authorize(principal, permission, module)
        return principal

    return Depends(check)


async def _read_scope(request: Request, access: AccessDep) -> ReadScope:
    return access.scope(await access.principal(request))


#: The modules the request's caller may read, for services that resolve dependencies.
CallerScope = Annotated[ReadScope, Depends(_read_scope)]
