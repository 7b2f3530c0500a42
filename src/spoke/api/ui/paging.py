"""Paging for UI lists, with next, previous and first links, on the API's sealed page
tokens (``PageTokens``: opaque, tamper-evident, bound to their list).

The stores page forwards only (a keyset: the key that ended the previous page), so a UI
token carries, besides that key, the keys that began the last few pages before it: the
"previous" link pops one. Past ``HISTORY`` pages back only "first" is offered."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from spoke.api.pagination import PageTokens
from spoke.domain.errors import InvalidArgument

T = TypeVar("T")
#: How many pages back a token remembers (each costs one key in the token).
HISTORY = 5
#: The longest UI page token accepted (a query parameter).
MAX_TOKEN = 4096


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the tokens of its neighbours (None: no link; "": the first
    page, which needs no token); ``first``: whether this is the first page."""

    items: list[T]
    next: str | None
    previous: str | None
    first: bool


class UiPages:
    """The pages of one list (``listing`` names it and its parameters)."""

    def __init__(self, tokens: PageTokens, listing: str) -> None:
        self._tokens = tokens
        self._listing = f"ui:{listing}"

    def _open(self, token: str | None) -> tuple[str | None, list[str | None]]:
        plain = self._tokens.open(token, self._listing)
        if plain is None:
            return None, []
        try:
            data = json.loads(plain)
            after, back = data["a"], list(data["b"])
        except (ValueError, KeyError, TypeError):
            raise InvalidArgument(
                "this page link is not valid: start from the first page"
            ) from None
        return after, back

    def _seal(self, after: str | None, back: list[str | None]) -> str:
        if after is None and not back:
            return ""
        return self._tokens.seal(json.dumps({"a": after, "b": back[:HISTORY]}), self._listing)

    def after(self, token: str | None) -> str | None:
        """The key that ended the page before the one ``token`` names (None: the first)."""
        return self._open(token)[0]

    def page(
        self, token: str | None, found: Sequence[T], limit: int, key: Callable[[T], str]
    ) -> Page[T]:
        """``found`` (up to ``limit + 1`` rows from ``after(token)`` on) as one page."""
        after, back = self._open(token)
        items = list(found[:limit])
        following = None
        if len(found) > limit:
            following = self._seal(key(items[-1]), [after, *back])
        previous = self._seal(back[0], back[1:]) if back else None
        return Page(items, following, previous, after is None)
