from __future__ import annotations

import base64
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoke.api.pagination import PageTokens
from spoke.domain.errors import InvalidArgument

TOKENS = PageTokens(os.urandom(32))


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "acme.payments",
        "acme_payments-v2",
        "v1.0.0",
        "v1.0.0+b.1",
        "v2.0.0-rc.1+build.5",
        "ünïcödé/日本語",
        "k1:",
        "x" * 300,
    ],
)
def test_round_trip(key: str) -> None:
    token = TOKENS.seal(key, "modules:")
    assert TOKENS.open(token, "modules:") == key
    assert len(token) <= 1024  # what the query parameter accepts


@given(key=st.text(max_size=200), listing=st.text(max_size=50))
def test_round_trip_of_any_key_and_listing(key: str, listing: str) -> None:
    key = key.encode("utf-8", "replace").decode()  # lone surrogates are no keys
    listing = listing.encode("utf-8", "replace").decode()
    assert TOKENS.open(TOKENS.seal(key, listing), listing) == key


@pytest.mark.parametrize("key", ["v1.0.0+b.1", "a", "ab", "abc", "x" * 300])
def test_tokens_are_url_safe_and_unpadded(key: str) -> None:
    token = TOKENS.seal(key, "versions:acme.a")
    assert "=" not in token
    assert "+" not in token
    assert "/" not in token
    assert token.isascii()


def test_tokens_are_opaque() -> None:
    """The key a page ended on (maybe a row the caller may not see) is not readable."""
    token = TOKENS.seal("acme.secret-module", "modules:")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b"acme" not in raw and b"secret" not in raw
    assert "acme" not in token
    # Sealing twice gives two tokens (a fresh nonce each): equal keys are not linkable.
    assert TOKENS.seal("acme.a", "modules:") != TOKENS.seal("acme.a", "modules:")


@pytest.mark.parametrize("token", [None, ""])
def test_missing_token_means_first_page(token: str | None) -> None:
    assert TOKENS.open(token, "modules:") is None


def test_a_token_belongs_to_its_list_and_its_key() -> None:
    token = TOKENS.seal("acme.b", "versions:acme.a")
    assert TOKENS.open(token, "versions:acme.a") == "acme.b"
    for listing in ("versions:acme.b", "modules:", "dependents:acme.a@v1.0.0"):
        with pytest.raises(InvalidArgument, match="page_token is not valid"):
            TOKENS.open(token, listing)
    with pytest.raises(InvalidArgument, match="page_token is not valid"):
        PageTokens(os.urandom(32)).open(token, "versions:acme.a")  # another registry's key


def test_every_edited_token_is_refused() -> None:
    token = TOKENS.seal("acme.b", "modules:")
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for index in range(len(raw)):
        edited = bytearray(raw)
        edited[index] ^= 0x01
        forged = base64.urlsafe_b64encode(bytes(edited)).decode().rstrip("=")
        with pytest.raises(InvalidArgument, match="page_token is not valid"):
            TOKENS.open(forged, "modules:")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "!!!",
        "a",
        "====",
        _b64(b"acme.payments"),
        _b64(b"k1:acme"),  # the old, unsealed tokens
        _b64(b"\xff\xfe\xfd"),
        _b64(os.urandom(28)),
        _b64(os.urandom(29)),
        _b64(os.urandom(200)),
    ],
)
def test_garbage_tokens_are_rejected(token: str) -> None:
    with pytest.raises(InvalidArgument, match="page_token is not valid"):
        TOKENS.open(token, "modules:")
