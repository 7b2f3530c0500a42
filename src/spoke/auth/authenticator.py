"""Turns a request's ``Authorization`` header into a ``Principal``."""

from __future__ import annotations

import hashlib
import re

from spoke.auth import ANONYMOUS, EVERYONE, AuthMode, Principal, Unauthenticated
from spoke.auth.jwt import JwtVerifier
from spoke.auth.keys import TOKEN_PREFIX, KeyService, lookup_prefix
from spoke.domain.credentials import bearer, credential_of

__all__ = ["Authenticator", "bearer", "credential_of"]

_KEY_PREFIX = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]+")


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
        credential = credential_of(authorization)
        if credential is None:
            raise Unauthenticated(
                "send the credential as 'Authorization: Bearer <token>' (or as the password "
                "of HTTP Basic)"
            )
        if credential.startswith(TOKEN_PREFIX):
            return await self.keys.verify(credential)
        if self._tokens is not None:
            return await self._tokens.verify(credential)
        raise Unauthenticated("the token is not valid: this registry accepts API keys only")

    def presented(self, authorization: str | None) -> str:
        """Whom a request claims to act as, read without verifying anything: for the audit
        log of a request refused before (or by) authentication.

        ``key-prefix:spoke_AbC123`` for an API key (its lookup prefix, as ``/auth/keys``
        lists it; never more of the secret), ``token-sha256:<16 hex>`` for another bearer
        token (a fingerprint: the same token gives the same one, its claims are not
        believed), ``local`` without auth, else ``anonymous``.
        """
        if self.mode is AuthMode.NONE:
            return EVERYONE.subject
        credential = credential_of(authorization) if authorization else None
        if credential is None:
            return ANONYMOUS.subject
        if credential.startswith(TOKEN_PREFIX):
            prefix = lookup_prefix(credential)
            return "key-prefix:" + (prefix if _KEY_PREFIX.fullmatch(prefix) else "malformed")
        return "token-sha256:" + hashlib.sha256(credential.encode()).hexdigest()[:16]
