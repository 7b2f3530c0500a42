"""The audit log's pure rules: how a refused request's unverified credential is named,
and how floods of cheap refusals are recorded."""

from __future__ import annotations

import base64
from typing import cast

import pytest

from spoke.api.middleware.audit import Repeats, refused
from spoke.auth import AuthMode
from spoke.auth.authenticator import Authenticator, bearer
from spoke.auth.keys import KeyService, new_token
from spoke.storage.keys import KeyStore


def presented(authorization: str | None, mode: AuthMode = AuthMode.REQUIRED) -> str:
    # Naming a credential reads no store.
    return Authenticator(mode, KeyService(cast(KeyStore, None)), None).presented(authorization)


def test_a_key_is_named_by_its_lookup_prefix_only() -> None:
    key = new_token()
    assert presented(f"Bearer {key}") == f"key-prefix:{key[:12]}"
    assert presented(f"bearer   {key}  ") == f"key-prefix:{key[:12]}"
    assert key[12:] not in presented(f"Bearer {key}")


def test_a_malformed_key_is_not_repeated() -> None:
    assert presented("Bearer spoke_<script>alert(1)") == "key-prefix:malformed"
    assert presented("Bearer spoke_\x00\x01") == "key-prefix:malformed"


def test_other_tokens_are_fingerprinted_never_believed() -> None:
    named = presented("Bearer eyJhbGciOi.eyJzdWIiOiJyb290In0.sig")
    assert named.startswith("token-sha256:") and len(named) == len("token-sha256:") + 16
    assert "root" not in named and "eyJ" not in named
    assert named == presented("Bearer  eyJhbGciOi.eyJzdWIiOiJyb290In0.sig ")
    assert named != presented("Bearer eyJhbGciOi.eyJzdWIiOiJyb290In0.sih")


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcg==", "Basic ???", "Bearer", "Bearer   "])
def test_no_credential_is_anonymous(header: str | None) -> None:
    assert presented(header) == "anonymous"


def test_basic_is_named_by_its_password_like_bearer() -> None:
    # pip and go send an API key as the password of HTTP Basic (any user name).
    key = new_token()
    basic = "Basic " + base64.b64encode(f"pip:{key}".encode()).decode()
    assert presented(basic) == presented(f"Bearer {key}") == f"key-prefix:{key[:12]}"
    assert presented("Basic dXNlcjpwdw==") == presented("Bearer pw")  # user:pw


def test_without_auth_everyone_is_local() -> None:
    assert presented("Bearer " + new_token(), AuthMode.NONE) == "local"


def test_bearer_reads_the_header_like_the_authenticator() -> None:
    assert bearer("Bearer abc") == bearer("BEARER  abc ") == "abc"
    assert bearer("Basic abc") is None and bearer("Bearer") is None


def test_refusal_statuses() -> None:
    assert all(refused(s) for s in (401, 403, 413, 415, 429, 431))
    assert not any(refused(s) for s in (200, 201, 400, 404, 409, 422, 500))


def test_a_repeat_within_the_window_is_not_recorded_again() -> None:
    repeats = Repeats(window=10, size=100)
    assert repeats.first((429, "10.0.0.1"), now=0)
    assert not repeats.first((429, "10.0.0.1"), now=9.9)
    assert repeats.first((413, "10.0.0.1"), now=9.9)  # another status
    assert repeats.first((429, "10.0.0.2"), now=9.9)  # another client
    assert repeats.first((429, "10.0.0.1"), now=10.0)  # the next window


def test_repeats_remember_a_bounded_number() -> None:
    repeats = Repeats(window=10, size=2)
    for client in ("a", "b", "c"):
        assert repeats.first((429, client), now=0)
    assert repeats.first((429, "a"), now=1)  # forgotten, the oldest
    assert not repeats.first((429, "c"), now=1)
