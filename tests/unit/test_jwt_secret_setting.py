"""SPOKE_JWT_SECRET: a short HS256 secret is refused at start-up, without repeating it."""

from __future__ import annotations

import pydantic
import pytest

from spoke.config import MIN_JWT_SECRET_BYTES, Settings


@pytest.mark.parametrize("secret", ["s3cr3t", "x" * (MIN_JWT_SECRET_BYTES - 1), "é" * 15])
def test_a_short_secret_is_refused_without_being_repeated(
    secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPOKE_JWT_SECRET", secret)
    with pytest.raises(
        pydantic.ValidationError, match=r"SPOKE_JWT_SECRET is \d+ bytes long"
    ) as info:
        Settings()
    assert secret not in str(info.value)


def test_bytes_count_not_characters() -> None:
    assert Settings(jwt_secret="é" * 16).jwt_secret == "é" * 16  # 32 bytes in UTF-8


@pytest.mark.parametrize("secret", ["", None])
def test_unset_or_empty_means_no_secret(secret: str | None) -> None:
    assert Settings(jwt_secret=secret).jwt_secret is None


def test_no_settings_error_repeats_its_input() -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        Settings(postgres_max_conns="postgresql://u:hunter2@db/x")
    assert "hunter2" not in str(info.value)
