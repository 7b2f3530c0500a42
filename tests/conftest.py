"""Session-wide fixtures: the throwaway production stack, started at most once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from spoke.devstack.stack import Stack, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """PostgreSQL + streaming replica, Redis + replica + 3 Sentinels, SeaweedFS S3.

    Tests share it; each isolates itself with a database, key prefix and cache prefix of
    its own (``tests.production.isolated_settings``). Fault tests start their own stack.
    """
    with running_stack(tmp_path_factory.mktemp("stack")) as started:
        yield started


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How often our breaking and lint checks agree with buf (the differential tests)."""
    from tests.agreement import summary

    lines = summary()
    if lines:
        terminalreporter.section("agreement with buf")
        for line in lines:
            terminalreporter.write_line(line)
