"""Bounded fan-out for I/O-bound work (blob reads and writes)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


async def map_limited(
    func: Callable[[T], Awaitable[R]], items: Iterable[T], *, limit: int = 16
) -> list[R]:
    """``[await func(item) for item in items]``, at most ``limit`` at a time, order kept."""
    slots = asyncio.Semaphore(limit)

    async def one(item: T) -> R:
        async with slots:
            return await func(item)

    return list(await asyncio.gather(*(one(item) for item in items)))
