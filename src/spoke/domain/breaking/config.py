"""The ``breaking:`` section of a ``buf.yaml``: which rules (``use``, ``except``) and
where not to apply them (``ignore``, ``ignore_only``, ``ignore_unstable_packages``).

The rule IDs and categories are those of the buf.yaml's ``version`` (v2 by default; v1
and v1beta1 as buf 1.75 defines them): v1 has no CSR category and lacks three v2 rules,
and accepts deprecated IDs (``FIELD_SAME_LABEL``, ``FIELD_SAME_CTYPE``, ...) that stand
for the rules replacing them, as buf runs them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from spoke.domain.breaking import legacy_rules as legacy
from spoke.domain.breaking.rules import CATEGORIES, DEFAULT_CATEGORY, RULES, rules_in

_KEYS = {"use", "except", "ignore", "ignore_only", "ignore_unstable_packages", "disable_builtin"}
#: The buf.yaml ``version`` a section follows (a key Spoke adds to the section; the CLI
#: copies it from the file).
VERSIONS = ("v1beta1", "v1", "v2")
# buf's unstable package versions: v1alpha1, v1beta, v2test, v1p1beta1, ...
_UNSTABLE = re.compile(r"^v\d+(?:p\d+)?(?:alpha|beta|test)\w*$")


@dataclass(frozen=True)
class RuleSet:
    """One buf.yaml version's breaking rules."""

    rules: Mapping[str, tuple[str, ...]]  # rule ID -> categories
    defaults: frozenset[str]
    deprecated: Mapping[str, tuple[str, ...]]  # deprecated ID -> the rules it stands for

    def expand(self, items: list[str], where: str) -> set[str]:
        rules: set[str] = set()
        for item in items:
            if item in self.deprecated:
                rules |= set(self.deprecated[item])
            elif item in self.rules:
                rules.add(item)
            elif any(item in categories for categories in self.rules.values()):
                rules |= {rule for rule, cats in self.rules.items() if item in cats}
            else:
                raise ValueError(f"breaking.{where}: {item!r} is not a breaking rule or category")
        return rules


RULE_SETS = {
    "v2": RuleSet(
        RULES,
        frozenset(rules_in(DEFAULT_CATEGORY)),
        {"MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT": ()},
    ),
    "v1": RuleSet(legacy.V1_RULES, legacy.V1_DEFAULTS, legacy.V1_DEPRECATED),
    "v1beta1": RuleSet(legacy.V1BETA1_RULES, legacy.V1BETA1_DEFAULTS, legacy.V1BETA1_DEPRECATED),
}
assert set(CATEGORIES) >= {c for cats in RULES.values() for c in cats}


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"breaking.{where} must be a list of strings")
    return list(value)


def _clean_path(path: str, where: str) -> str:
    cleaned = path.strip().strip("/")
    if not cleaned or cleaned.startswith("..") or "/../" in f"/{cleaned}/":
        raise ValueError(f"breaking.{where}: {path!r} is not a path inside the module")
    return cleaned


@dataclass(frozen=True)
class BreakingConfig:
    rules: frozenset[str] = field(default_factory=lambda: frozenset(rules_in(DEFAULT_CATEGORY)))
    ignore: tuple[str, ...] = ()
    ignore_only: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    ignore_unstable_packages: bool = False

    @classmethod
    def parse(cls, section: Mapping[str, Any] | None) -> BreakingConfig:
        """From the ``breaking:`` mapping (as YAML or JSON gives it); raises ValueError
        naming the offending key or value."""
        section = dict(section or {})
        version = section.pop("version", "v2")
        if version not in RULE_SETS:
            raise ValueError(f"breaking: version {version!r} is not one of {', '.join(VERSIONS)}")
        rule_set = RULE_SETS[version]
        allowed = _KEYS if version == "v2" else _KEYS - {"disable_builtin"}
        unknown = set(section) - allowed
        if unknown:
            raise ValueError(f"breaking: unknown keys {sorted(unknown)}")
        named = _strings(section.get("use", []), "use")
        use = rule_set.expand(named, "use") if named else set(rule_set.defaults)
        use -= rule_set.expand(_strings(section.get("except", []), "except"), "except")
        ignore = tuple(
            _clean_path(p, "ignore") for p in _strings(section.get("ignore", []), "ignore")
        )
        only_section = section.get("ignore_only", {}) or {}
        if not isinstance(only_section, Mapping):
            raise ValueError("breaking.ignore_only must map rule IDs or categories to paths")
        ignore_only: dict[str, tuple[str, ...]] = {}
        for key, paths in only_section.items():
            where = f"ignore_only.{key}"
            for rule in rule_set.expand([str(key)], "ignore_only"):
                ignore_only[rule] = ignore_only.get(rule, ()) + tuple(
                    _clean_path(p, where) for p in _strings(paths, where)
                )
        unstable = section.get("ignore_unstable_packages", False)
        if not isinstance(unstable, bool):
            raise ValueError("breaking.ignore_unstable_packages must be true or false")
        return cls(frozenset(use), ignore, ignore_only, unstable)

    def ignores(self, rule: str, paths: list[str], packages: list[str]) -> bool:
        """Whether a finding of ``rule`` on these files (new and old side) is ignored."""
        for path in paths:
            if _under(path, self.ignore) or _under(path, self.ignore_only.get(rule, ())):
                return True
        return self.ignore_unstable_packages and any(is_unstable(p) for p in packages)


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root + "/") for root in roots)


def is_unstable(package: str) -> bool:
    return any(_UNSTABLE.match(part) for part in package.split(".")) if package else False
