"""``spoke.lock``: every version a push depends on, transitively, pinned by its digest.

The file is JSON (UTF-8, a trailing newline) in one fixed layout, one entry a line, so
the same graph always gives the same bytes and a diff shows what moved::

    {
      "version": 1,
      "requires": [
        {"module": "acme.common", "version": "v1.2.0"}
      ],
      "dependencies": [
        {"module": "acme.base", "version": "v1.0.0", "digest": "sha256:…"},
        {"module": "acme.common", "version": "v1.2.0", "digest": "sha256:…"}
      ]
    }

``version`` is the format. ``requires`` are the direct dependencies (what ``spoke push``
sends when no ``--dep`` is given); ``dependencies`` is the whole closure, one version per
module, both lists sorted by module name. A push that sends the pins has them checked
against the closure the registry resolves: each pin must be there with the same digest,
and nothing more.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from spoke.domain.errors import DependencyError, InvalidArgument
from spoke.domain.models import Dependency
from spoke.domain.names import validate_module_name
from spoke.domain.versions import validate_version

LOCK_FILE = "spoke.lock"
LOCK_FORMAT = 1
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


class InvalidLock(InvalidArgument):
    code = "invalid_lock"


class LockMismatch(DependencyError):
    """The lock a push sent is not the closure the registry resolved."""

    code = "lock_mismatch"


@dataclass(frozen=True, order=True)
class LockedPin:
    module: str
    version: str
    digest: str

    @property
    def label(self) -> str:
        return f"{self.module}@{self.version}"

    def as_dict(self) -> dict[str, str]:
        return {"module": self.module, "version": self.version, "digest": self.digest}


def validate_pins(pins: Iterable[LockedPin]) -> tuple[LockedPin, ...]:
    """Canonical pins sorted by module; ``InvalidLock`` on a bad value or a module twice."""
    checked: dict[str, LockedPin] = {}
    for pin in pins:
        module = validate_module_name(pin.module)
        if not _DIGEST.fullmatch(pin.digest):
            raise InvalidLock(
                f"lock entry {module}@{pin.version}: digest {pin.digest!r} is not "
                "'sha256:' and 64 lowercase hex digits",
                details={"module": module, "digest": pin.digest},
            )
        if module in checked:
            raise InvalidLock(
                f"the lock lists {module} twice; a closure holds one version per module",
                details={"module": module},
            )
        checked[module] = LockedPin(module, validate_version(pin.version), pin.digest)
    return tuple(sorted(checked.values()))


@dataclass(frozen=True)
class Lock:
    """The contents of a ``spoke.lock`` (build it with ``Lock.of`` or ``Lock.parse``)."""

    requires: tuple[Dependency, ...]
    pins: tuple[LockedPin, ...]

    @classmethod
    def of(cls, requires: Iterable[Dependency], pins: Iterable[LockedPin]) -> Lock:
        checked = validate_pins(pins)
        locked = {(p.module, p.version) for p in checked}
        direct: dict[str, Dependency] = {}
        for dep in requires:
            pinned = Dependency(validate_module_name(dep.module), validate_version(dep.version))
            if (pinned.module, pinned.version) not in locked:
                raise InvalidLock(
                    f"the lock requires {pinned.module}@{pinned.version} but does not pin it",
                    details={"module": pinned.module, "version": pinned.version},
                )
            direct[pinned.module] = pinned
        return cls(tuple(sorted(direct.values(), key=lambda d: d.module)), checked)

    @classmethod
    def parse(cls, text: str) -> Lock:
        """Read a lock file's text; ``InvalidLock`` says what is wrong with it."""
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise InvalidLock(f"the lock is not valid JSON: {exc}") from None
        if not isinstance(doc, dict) or set(doc) != {"version", "requires", "dependencies"}:
            raise InvalidLock("a lock is an object with version, requires and dependencies")
        if doc["version"] != LOCK_FORMAT:
            raise InvalidLock(
                f"lock format {doc['version']!r} is not supported (this is format {LOCK_FORMAT})"
            )
        requires = [Dependency(**_fields(e, ("module", "version"))) for e in _list(doc, "requires")]
        pins = [
            LockedPin(**_fields(e, ("module", "version", "digest")))
            for e in _list(doc, "dependencies")
        ]
        return cls.of(requires, pins)

    def render(self) -> str:
        """The file's text: the same lock always gives the same bytes."""
        requires = [{"module": d.module, "version": d.version} for d in self.requires]
        return (
            f'{{\n  "version": {LOCK_FORMAT},\n'
            + _entries("requires", requires)
            + ",\n"
            + _entries("dependencies", [p.as_dict() for p in self.pins])
            + "\n}\n"
        )


def _entries(key: str, entries: list[dict[str, str]]) -> str:
    """``"key": [...]`` with one entry a line (two-space indent), for line-wise diffs."""
    if not entries:
        return f'  "{key}": []'
    lines = ",\n".join("    " + json.dumps(e, ensure_ascii=False) for e in entries)
    return f'  "{key}": [\n{lines}\n  ]'


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc[key]
    if not isinstance(value, list):
        raise InvalidLock(f"the lock's {key} must be a list")
    return value


def _fields(entry: Any, names: tuple[str, ...]) -> dict[str, str]:
    if (
        not isinstance(entry, dict)
        or set(entry) != set(names)
        or not all(isinstance(v, str) for v in entry.values())
    ):
        raise InvalidLock(f"each lock entry is an object of strings: {', '.join(names)}")
    return entry


def check_lock(locked: Sequence[LockedPin], resolved: Iterable[LockedPin]) -> None:
    """Raise ``LockMismatch`` unless ``locked`` is exactly ``resolved``: every resolved
    version locked with its digest, and nothing else."""
    have = {(p.module, p.version): p for p in locked}
    want = {(p.module, p.version): p for p in resolved}
    missing = sorted(want[key] for key in want.keys() - have.keys())
    extra = sorted(have[key] for key in have.keys() - want.keys())
    changed = sorted(
        (have[key], want[key])
        for key in have.keys() & want.keys()
        if have[key].digest != want[key].digest
    )
    if not (missing or extra or changed):
        return
    problems = []
    if missing:
        problems.append("not locked: " + ", ".join(p.label for p in missing))
    if extra:
        problems.append("locked but not a dependency: " + ", ".join(p.label for p in extra))
    if changed:
        problems.append(
            "other digest: "
            + ", ".join(
                f"{old.label} (locked {old.digest}, resolved {new.digest})" for old, new in changed
            )
        )
    raise LockMismatch(
        "spoke.lock does not match the dependencies the registry resolved: "
        + "; ".join(problems)
        + "; run `spoke deps lock` again",
        details={
            "missing": [p.as_dict() for p in missing],
            "extra": [p.as_dict() for p in extra],
            "digest_mismatch": [
                {
                    "module": old.module,
                    "version": old.version,
                    "locked": old.digest,
                    "resolved": new.digest,
                }
                for old, new in changed
            ],
        },
    )
