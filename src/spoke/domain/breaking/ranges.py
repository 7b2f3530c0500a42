"""Reserved and extension ranges: which numbers of an old range a new version no longer
covers, written as buf writes them ("[9]", "[10,20]", "[100,max]")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Range = tuple[int, int]  # inclusive

MESSAGE_MAX = 536_870_911
MESSAGE_SET_MAX = 2_147_483_646
ENUM_MAX = 2_147_483_647


def collapse(ranges: Iterable[Range]) -> list[Range]:
    merged: list[Range] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def missing(old: Range, now: Sequence[Range]) -> list[Range]:
    """The parts of ``old`` not covered by the collapsed ranges ``now``."""
    gaps: list[Range] = []
    start, end = old
    for lo, hi in now:
        if hi < start:
            continue
        if lo > end:
            break
        if start < lo:
            gaps.append((start, lo - 1))
        start = hi + 1
        if start > end:
            return gaps
    if start <= end:
        gaps.append((start, end))
    return gaps


def text(start: int, end: int, maximum: int) -> str:
    if start == end:
        return f"[{start}]"
    if end == maximum:
        return f"[{start},max]"
    return f"[{start},{end}]"
