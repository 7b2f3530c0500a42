"""The chaos report: one row per scenario, printed at the end of the run (and written to
``$SPOKE_CHAOS_REPORT`` when set) as a Markdown table."""

from __future__ import annotations

from dataclasses import dataclass

from tests.chaos.load import SteadyLoad


@dataclass(frozen=True)
class Row:
    failure: str
    expected: str
    observed: str
    failed: int
    requests: int
    recovery: float | None  # seconds, None where nothing needed recovering

    def cells(self) -> list[str]:
        recovery = "—" if self.recovery is None else f"{self.recovery:.2f} s"
        return [
            self.failure,
            self.expected,
            self.observed,
            f"{self.failed} / {self.requests}",
            recovery,
        ]


ROWS: list[Row] = []


def record(
    failure: str,
    expected: str,
    observed: str,
    load: SteadyLoad,
    since: float,
    recovery: float | None,
) -> None:
    """Add a row; failed requests are counted from ``since`` (the fault) to now."""
    during = load.since(since)
    ROWS.append(
        Row(failure, expected, observed, sum(not o.ok for o in during), len(during), recovery)
    )


def table(rows: list[Row]) -> str:
    header = [
        "failure",
        "expected impact",
        "observed impact",
        "failed / requests",
        "time to recovery",
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in sorted(rows, key=_order)]
    return "\n".join(lines) + "\n"


def _order(row: Row) -> str:
    """Numbered scenarios first, in their order (single digits: text order is number
    order), then the rest."""
    return row.failure
