"""HTTP Basic carries an API key as its password (how pip and go send credentials)."""

from __future__ import annotations

import base64

import pytest

from spoke.auth.authenticator import credential_of


def basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer spoke_abc", "spoke_abc"),
        ("bearer   spoke_abc ", "spoke_abc"),
        (basic("pip:spoke_abc"), "spoke_abc"),
        (basic(":spoke_abc"), "spoke_abc"),  # no user name
        (basic("user:pass:with:colons"), "pass:with:colons"),
        ("basic " + base64.b64encode(b"u:k").decode(), "k"),
        (basic("spoke_abc"), None),  # no colon: no password
        (basic("user:"), None),  # empty password
        ("Basic not-base64!!", None),
        ("Basic " + base64.b64encode(b"u:\xff\xfe").decode(), None),  # not UTF-8
        ("Basic", None),
        ("Bearer", None),
        ("Digest abc", None),
        ("", None),
    ],
)
def test_credential_of(header: str, expected: str | None) -> None:
    assert credential_of(header) == expected
