"""Turns a request's ``Authorization`` header into a ``Principal``."""

from __future__ import annotations

from spoke.auth import ANONYMOUS, EVERYONE, AuthMode, Principal, Unauthenticated
from spoke.auth.jwt import JwtVerifier
from spoke.auth.keys import TOKEN_PREFIX, KeyService


class Authenticator:
    def __init__(self, mode: AuthMode, keys: KeyService, tokens: JwtVerifier | None) -> None:
        self.mode = mode
        self.keys = keys
        self._tokens = tokens

    @property
    def has_token_source(self) -> bool:
        return self._tokens is not None

    async def principal(self, authorization: str | None) -> Principal:
        """Who the request acts as. Without auth (mode ``none``) everyone is an admin; a
        request without a credential is anonymous; a bad credential is refused."""
        if self.mode is AuthMode.NONE:
            return EVERYONE
        if not authorization:
            return ANONYMOUS
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise Unauthenticated("send the credential as 'Authorization: Bearer <token>'")
        if credential.startswith(TOKEN_PREFIX):
            return await self.keys.verify(credential)
        if self._tokens is not None:
            return await self._tokens.verify(credential)
        raise Unauthenticated("the token is not valid: this registry accepts API keys only")
