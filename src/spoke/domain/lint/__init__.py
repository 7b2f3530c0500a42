"""Lint a compiled schema with buf's v2 lint rules: the same rule IDs, categories,
locations and messages as ``buf lint``, judged on protoc's descriptors (with source
info), never on text.

    config = parse_lint_config(buf_yaml.get("lint"))  # InvalidLintConfig (ValueError)
    findings = lint(schema, config)                     # list[Finding], sorted like buf

Supported rules, configuration keys and the known differences from buf are listed in
docs/governance-lint.md.
"""

from __future__ import annotations

from spoke.domain.lint.catalog import CATEGORIES, RULE_INFOS, RuleInfo
from spoke.domain.lint.config import InvalidLintConfig, LintConfig, parse_lint_config
from spoke.domain.lint.linter import lint

__all__ = [
    "CATEGORIES",
    "RULE_INFOS",
    "InvalidLintConfig",
    "LintConfig",
    "RuleInfo",
    "lint",
    "parse_lint_config",
]
