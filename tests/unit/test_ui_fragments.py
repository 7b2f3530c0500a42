"""The UI's cache of rendered page bodies: bounded, least recently used out first."""

from __future__ import annotations

from markupsafe import Markup

from spoke.api.ui.fragments import Fragments


def test_fragments_are_bounded_least_recently_used_out() -> None:
    fragments = Fragments(max_chars=400)
    for name in ("a", "b", "c", "d"):
        fragments.put((name,), Markup(name * 100))
    assert fragments.get(("a",)) is not None
    fragments.put(("e",), Markup("e" * 100))  # over the bound: b, the least recent, goes
    assert fragments.get(("b",)) is None
    assert all(fragments.get((n,)) is not None for n in ("a", "c", "d", "e"))
    fragments.put(("big",), Markup("x" * 101))  # over a quarter of the bound: not kept
    assert fragments.get(("big",)) is None and len(fragments) == 4
