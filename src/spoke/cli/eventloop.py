"""The event loop of the long-running commands: uvloop where it is installed (it comes with
``uvicorn[standard]``), the standard loop elsewhere. Measured on the hottest read: about a
third more requests per second than the standard loop (docs/benchmarks.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # a platform without a uvloop wheel
        return asyncio.run(main)
    return uvloop.run(main)
