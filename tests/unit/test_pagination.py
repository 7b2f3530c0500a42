from __future__ import annotations

import base64

import pytest

from spoke.api.pagination import decode_token, encode_token
from spoke.domain.errors import InvalidArgument


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
    token = encode_token(key)
    assert decode_token(token) == key


@pytest.mark.parametrize("key", ["v1.0.0+b.1", "a", "ab", "abc", "x" * 300])
def test_tokens_are_url_safe_and_unpadded(key: str) -> None:
    token = encode_token(key)
    assert "=" not in token
    assert "+" not in token
    assert "/" not in token
    assert token.isascii()


def test_tokens_differ_for_different_keys() -> None:
    assert encode_token("v1.0.0") != encode_token("v1.0.0+b.1")


@pytest.mark.parametrize("token", [None, ""])
def test_missing_token_means_first_page(token: str | None) -> None:
    assert decode_token(token) is None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "token",
    [
        "!!!",
        "a",
        "====",
        _b64(b"acme.payments"),
        _b64(b"k2:acme"),
        _b64(b"K1:acme"),
        _b64(b"k1:"),
        _b64(b"k1"),
        _b64(b"\xff\xfe\xfd"),
        _b64(b"k1:\xff"),
    ],
)
def test_garbage_tokens_are_rejected(token: str) -> None:
    with pytest.raises(InvalidArgument, match="page_token is not valid"):
        decode_token(token)
