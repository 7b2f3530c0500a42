"""The module policy port: each module's governance policy document (see
``spoke.domain.policy``), stored beside the module."""

from __future__ import annotations

from typing import Any, Protocol


class PolicyStore(Protocol):
    async def get(self, module: str) -> dict[str, Any] | None:
        """The module's policy document, or None when it has none."""
        ...

    async def put(self, module: str, policy: dict[str, Any], *, by: str) -> None:
        """Replace the module's policy (the module must exist: ``ModuleNotFound``)."""
        ...
