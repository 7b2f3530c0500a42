"""What every UI route starts from: the caller (``ui_principal``), checked like the API
checks it, and the collaborators the app's lifespan built."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from spoke.api.access import Access
from spoke.api.pagination import PageTokens
from spoke.api.ui.session import ui_principal
from spoke.auth import AuthMode, Principal
from spoke.domain.access import Permission
from spoke.services.registry import Services
from spoke.services.visibility import ReadScope


@dataclass(frozen=True)
class Ui:
    request: Request
    access: Access
    services: Services
    tokens: PageTokens
    principal: Principal

    @property
    def scope(self) -> ReadScope:
        return self.access.scope(self.principal)

    def may_read(self, module: str, public: bool) -> bool:
        return (
            self.access.mode is AuthMode.NONE
            or public
            or self.principal.may(Permission.READ, module)
        )


async def ui(request: Request, module: str | None = None) -> Ui:
    """The caller of a UI request, allowed to read ``module`` (None: the registry): a
    private module it may not read is ``HiddenModule`` (the 404 page), the anonymous in
    ``required`` mode ``Unauthenticated`` (the login page)."""
    state = request.app.state
    access: Access = state.access
    tokens: PageTokens = state.page_tokens
    principal = await ui_principal(request, access, tokens)
    await access.authorize(principal, Permission.READ, module)
    return Ui(request, access, state.services, tokens, principal)
