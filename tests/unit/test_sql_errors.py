"""The SQL layer's one error boundary: what a driver failure becomes above storage."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from spoke.storage.metadata import MetadataUnavailable
from spoke.storage.sql.errors import driver_errors


@pytest.mark.parametrize(
    "failure",
    [
        OperationalError("SELECT 1", {}, ConnectionRefusedError("refused")),
        ConnectionResetError("reset by peer"),
        TimeoutError("no answer"),
        PoolTimeout("QueuePool limit of size 5 overflow 0 reached"),
    ],
    ids=["operational", "connection-reset", "timeout", "pool-exhausted"],
)
def test_an_unavailable_database_is_metadata_unavailable(failure: Exception) -> None:
    with pytest.raises(MetadataUnavailable) as raised, driver_errors():
        raise failure
    assert raised.value.__cause__ is failure


def test_integrity_errors_pass_through_for_the_adapters_to_name() -> None:
    conflict = IntegrityError("INSERT", {}, Exception("duplicate key"))
    with pytest.raises(IntegrityError), driver_errors():
        raise conflict


def test_other_errors_are_not_hidden() -> None:
    with pytest.raises(KeyError), driver_errors():
        raise KeyError("a bug of ours stays a bug")
