"""Cursor pagination: ``?limit=&page_token=``.

A page token carries the last key of the previous page, sealed with AES-GCM under a key
every instance shares (``MetadataStore.shared_secret``): opaque (a list filtered for the
caller may end its page on a row the caller may not see, and the token must not name it)
and tamper-evident (a forged or edited token is refused). The list it belongs to is bound
in as associated data, so a token of one list is refused by another.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Sequence
from typing import Annotated, TypeVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import Query

from spoke.domain.errors import InvalidArgument

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
#: The name of the shared secret the page-token key is.
SECRET_NAME = "page-tokens"  # noqa: S105 - the name of a secret, not one
_NONCE = 12
_VERSION = b"\x01"
T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
PageToken = Annotated[
    str | None,
    Query(max_length=1024, description="`next_page_token` from the previous page (opaque)."),
]


def _invalid() -> InvalidArgument:
    return InvalidArgument("page_token is not valid: pass next_page_token from a previous page")


class PageTokens:
    """Seals and opens the page tokens of every list; ``listing`` names the list (and its
    parameters) a token belongs to."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, last: str, listing: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, last.encode(), _VERSION + listing.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, token: str | None, listing: str) -> str | None:
        """The key that ended the previous page, None for the first page; a token that
        was not sealed here for this ``listing`` is ``InvalidArgument``."""
        if not token:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise _invalid() from None
        if len(raw) < _NONCE + 16:
            raise _invalid()
        try:
            plain = self._aead.decrypt(raw[:_NONCE], raw[_NONCE:], _VERSION + listing.encode())
            return plain.decode()
        except (InvalidTag, UnicodeDecodeError):
            raise _invalid() from None

    def page(
        self, found: Sequence[T], limit: int, key: Callable[[T], str], listing: str
    ) -> tuple[list[T], str | None]:
        """``found`` (up to ``limit + 1`` rows, as the store answered) as one page and the
        token of the next one (None on the last page). The token holds the last row of
        the page, whether or not the caller then sees it."""
        items = list(found[:limit])
        more = len(found) > limit
        return items, self.seal(key(items[-1]), listing) if more else None
