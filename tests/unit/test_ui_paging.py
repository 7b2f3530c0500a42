"""UI page tokens: previous links as far back as the token remembers, then only first."""

from __future__ import annotations

import pytest

from spoke.api.pagination import PageTokens
from spoke.api.ui.paging import HISTORY, UiPages
from spoke.domain.errors import InvalidArgument

ROWS = [f"r{i:03}" for i in range(100)]


def walk(pages: UiPages, token: str | None) -> tuple[list[str], str | None, str | None, bool]:
    after = pages.after(token)
    start = 0 if after is None else ROWS.index(after) + 1
    page = pages.page(token, ROWS[start : start + 3], 2, lambda r: r)
    return page.items, page.next, page.previous, page.first


def test_next_and_previous_walk_back_as_far_as_remembered() -> None:
    pages = UiPages(PageTokens(b"k" * 32), "rows")
    tokens: list[str | None] = [None]
    items, following, previous, first = walk(pages, None)
    assert items == ["r000", "r001"] and previous is None and first
    for _ in range(HISTORY + 2):
        assert following is not None
        tokens.append(following)
        items, following, previous, first = walk(pages, following)
    assert not first and items == ["r014", "r015"]
    # Back, page by page, HISTORY times; then the token holds no more history.
    for depth in range(HISTORY):
        assert previous is not None
        items, _, previous, _ = walk(pages, previous)
        expected = len(tokens) - 2 - depth
        assert items == [ROWS[2 * expected], ROWS[2 * expected + 1]]
    assert previous is None


def test_a_token_of_another_list_is_refused() -> None:
    tokens = PageTokens(b"k" * 32)
    following = UiPages(tokens, "rows").page(None, ROWS[:3], 2, lambda r: r).next
    with pytest.raises(InvalidArgument):
        UiPages(tokens, "other").after(following)
