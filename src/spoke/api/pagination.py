"""Cursor pagination: ``?limit=&page_token=``; the token is the last key of the previous page."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Query

from spoke.domain.errors import InvalidArgument

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000
_TAG = "k1:"

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")]
PageToken = Annotated[
    str | None, Query(max_length=512, description="`next_page_token` from the previous page.")
]


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode((_TAG + key).encode()).decode().rstrip("=")


def decode_token(token: str | None) -> str | None:
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if not raw.startswith(_TAG) or len(raw) == len(_TAG):
        raise InvalidArgument("page_token is not valid: pass next_page_token from a previous page")
    return raw[len(_TAG) :]
