"""A module's governance policy: buf-compatible ``breaking:`` and ``lint:`` sections, and
what a push must pass. Stored with the module, changed by admins.

```yaml
breaking: {use: [FILE]}          # buf.yaml v2 breaking section
lint: {use: [STANDARD]}          # buf.yaml v2 lint section
enforce_breaking: true           # a push that breaks the previous version is refused
allow_breaking_on_major: true    # ... unless it raises the major version
enforce_lint: false              # lint findings refuse a push (else they are reported)

A section that is set but not enforced is still checked on every push: its findings come
back in the push's answer (``policy``) without refusing it.
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spoke.domain.breaking import BreakingConfig
from spoke.domain.errors import InvalidArgument

_KEYS = {"breaking", "lint", "enforce_breaking", "allow_breaking_on_major", "enforce_lint"}


@dataclass(frozen=True)
class Policy:
    breaking: dict[str, Any] = field(default_factory=dict)
    lint: dict[str, Any] = field(default_factory=dict)
    enforce_breaking: bool = False
    allow_breaking_on_major: bool = True
    enforce_lint: bool = False

    @property
    def checks_breaking(self) -> bool:
        """Enforced, or configured to be reported on every push."""
        return self.enforce_breaking or bool(self.breaking)

    @property
    def checks_lint(self) -> bool:
        return self.enforce_lint or bool(self.lint)

    def as_dict(self) -> dict[str, Any]:
        return {
            "breaking": self.breaking,
            "lint": self.lint,
            "enforce_breaking": self.enforce_breaking,
            "allow_breaking_on_major": self.allow_breaking_on_major,
            "enforce_lint": self.enforce_lint,
        }

    @classmethod
    def parse(cls, document: Mapping[str, Any]) -> Policy:
        """Validate a policy document; every problem is an ``InvalidArgument``."""
        if not isinstance(document, Mapping):
            raise InvalidArgument("a policy is a JSON object")
        unknown = set(document) - _KEYS
        if unknown:
            raise InvalidArgument(
                f"unknown policy keys {sorted(unknown)}; known: {sorted(_KEYS)}",
                details={"unknown": sorted(unknown)},
            )
        flags = {}
        for name in ("enforce_breaking", "allow_breaking_on_major", "enforce_lint"):
            value = document.get(name, getattr(cls, name))
            if not isinstance(value, bool):
                raise InvalidArgument(f"policy.{name} must be true or false")
            flags[name] = value
        sections = {}
        for name in ("breaking", "lint"):
            section = document.get(name) or {}
            if not isinstance(section, Mapping):
                raise InvalidArgument(f"policy.{name} must be an object (buf.yaml's {name}:)")
            sections[name] = dict(section)
        try:
            BreakingConfig.parse(sections["breaking"])
            parse_lint(sections["lint"])
        except ValueError as exc:
            raise InvalidArgument(f"policy: {exc}") from None
        return cls(sections["breaking"], sections["lint"], **flags)


def parse_lint(section: Mapping[str, Any]) -> Any:
    """The lint configuration of a ``lint:`` section (ValueError if it is not valid)."""
    from spoke.domain.lint import parse_lint_config

    return parse_lint_config(section)
