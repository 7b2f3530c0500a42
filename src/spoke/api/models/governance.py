"""Bodies of the governance endpoints: policies, breaking, lint, diff
(``routers/governance.py``). Findings are buf's ``--error-format json`` objects."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from spoke.api.models.common import DependencyIO, FileIn


class PolicyIO(BaseModel):
    """A module's policy: ``breaking`` and ``lint`` are buf.yaml v2 sections."""

    breaking: dict[str, Any] = Field(default_factory=dict, examples=[{"use": ["FILE"]}])
    lint: dict[str, Any] = Field(default_factory=dict, examples=[{"use": ["STANDARD"]}])
    enforce_breaking: bool = False
    allow_breaking_on_major: bool = True
    enforce_lint: bool = False


class BreakingIn(BaseModel):
    """Check a stored ``version``, or ``files`` not pushed yet, against ``against``."""

    against: str = Field(examples=["v1.0.0"])
    version: str | None = Field(default=None, examples=["v1.1.0"])
    files: list[FileIn] | None = None
    dependencies: list[DependencyIO] = []
    config: dict[str, Any] | None = Field(
        default=None, description="A buf.yaml `breaking:` section; default: the module policy's"
    )


class LintIn(BaseModel):
    files: list[FileIn]
    dependencies: list[DependencyIO] = []
    config: dict[str, Any] | None = Field(default=None, description="A buf.yaml `lint:` section")


class FindingOut(BaseModel):
    path: str | None = None
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    type: str
    message: str


class FindingsOut(BaseModel):
    against: str | None = None
    count: int
    findings: list[FindingOut]


class DiffOut(BaseModel):
    version: str
    against: str
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    breaking: list[FindingOut]
