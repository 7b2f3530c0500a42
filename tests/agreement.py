"""Agreement with buf, counted by the differential tests and printed at the end of the run
(see ``pytest_terminal_summary`` in tests/conftest.py)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass
class Tally:
    cases: int = 0
    findings: int = 0  # distinct findings reported by either side
    agreed: int = 0  # reported by both, at the same place, with the same rule

    @property
    def rate(self) -> float:
        return 100.0 if self.findings == 0 else 100.0 * self.agreed / self.findings


TALLIES: dict[str, Tally] = defaultdict(Tally)


def count(check: str, ours: set[object], theirs: set[object]) -> None:
    tally = TALLIES[check]
    tally.cases += 1
    tally.findings += len(ours | theirs)
    tally.agreed += len(ours & theirs)


def summary() -> list[str]:
    return [
        f"{check}: {t.agreed}/{t.findings} findings agree with buf ({t.rate:.1f}%) "
        f"over {t.cases} cases"
        for check, t in sorted(TALLIES.items())
    ]
