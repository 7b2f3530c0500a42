"""The shutdown settings: read from the environment, and bounded."""

from __future__ import annotations

import pydantic
import pytest

from spoke.config import Settings


def test_defaults_close_at_once_and_drain_for_30_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPOKE_SHUTDOWN_DELAY", raising=False)
    monkeypatch.delenv("SPOKE_SHUTDOWN_TIMEOUT", raising=False)
    settings = Settings()
    assert (settings.shutdown_delay, settings.shutdown_timeout) == (0.0, 30.0)


def test_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOKE_SHUTDOWN_DELAY", "1.5")
    monkeypatch.setenv("SPOKE_SHUTDOWN_TIMEOUT", "0.5")
    settings = Settings()
    assert (settings.shutdown_delay, settings.shutdown_timeout) == (1.5, 0.5)


@pytest.mark.parametrize(
    "overrides", [{"shutdown_delay": -1}, {"shutdown_timeout": 0}, {"shutdown_timeout": -1}]
)
def test_out_of_range_is_refused(overrides: dict[str, float]) -> None:
    with pytest.raises(pydantic.ValidationError):
        Settings(**overrides)
