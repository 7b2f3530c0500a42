"""Breaking-change detection between two compiled versions of a module, with buf's v2
rules (IDs, categories, locations and messages): :func:`check_breaking`."""

from __future__ import annotations

from spoke.domain.breaking.check_enums import check_enums
from spoke.domain.breaking.check_fields import check_fields
from spoke.domain.breaking.check_files import check_files
from spoke.domain.breaking.check_messages import check_messages
from spoke.domain.breaking.check_packages import check_packages
from spoke.domain.breaking.check_services import check_services
from spoke.domain.breaking.config import BreakingConfig
from spoke.domain.breaking.index import Index
from spoke.domain.breaking.report import Report
from spoke.domain.breaking.rules import CATEGORIES, RULES
from spoke.domain.schema import Finding, Schema

__all__ = ["CATEGORIES", "RULES", "BreakingConfig", "check_breaking"]


def check_breaking(new: Schema, old: Schema, config: BreakingConfig | None = None) -> list[Finding]:
    """Every breaking change from ``old`` to ``new`` (their module files; imports are only
    looked up), in buf's order: by file, position, rule."""
    config = config or BreakingConfig()
    report = Report(Index.of(new), Index.of(old), config.rules)
    for check in (
        check_files,
        check_packages,
        check_messages,
        check_fields,
        check_enums,
        check_services,
    ):
        check(report)
    kept = []
    for found in report.found:
        finding = found.finding
        paths = [p for p in (finding.path, found.against_file) if p]
        packages = [new.files[finding.path].package] if finding.path in new.files else []
        if found.against_file in old.files:
            packages.append(old.files[found.against_file].package)
        if not config.ignores(finding.rule, paths, packages):
            kept.append(finding)
    return sorted(set(kept), key=_order)


def _order(finding: Finding) -> tuple[str, int, int, str, str]:
    span = finding.span
    return (finding.path, span.start_line, span.start_column, finding.rule, finding.message)
