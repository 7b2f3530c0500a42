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
