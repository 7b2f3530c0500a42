"""The lint entry point: run the configured rules over a schema and report findings
the way ``buf lint`` does."""

from __future__ import annotations

from spoke.domain.lint.config import LintConfig
from spoke.domain.lint.context import Context, Problem
from spoke.domain.lint.ignores import ignored_by_comment
from spoke.domain.lint.rules import CHECKS
from spoke.domain.schema import Finding, Schema, Span

# buf places findings about a file as a whole (no package, bad file name) at 1:1.
FILE_SPAN = Span(1, 1, 1, 1)


def _span(schema: Schema, problem: Problem) -> Span:
    if problem.path is None:
        return FILE_SPAN
    return schema.span(problem.file, problem.path) or FILE_SPAN


def lint(schema: Schema, config: LintConfig | None = None) -> list[Finding]:
    """Lint the schema's own files (its targets; imports are only looked up) with buf's
    v2 rules as ``config`` selects them (buf's defaults when ``None``).

    Findings carry buf's rule ID, location and message, with ``ignore``,
    ``ignore_only`` and (unless ``disallow_comment_ignores``) ``// buf:lint:ignore``
    comments applied, sorted as buf sorts them: by path, position, rule, message.
    """
    config = config or LintConfig()
    ctx = Context(schema, config)
    findings: list[Finding] = []
    for rule_id in config.rule_ids():
        for problem in CHECKS[rule_id](ctx):
            if config.ignores(rule_id, problem.file):
                continue
            if not config.disallow_comment_ignores and ignored_by_comment(
                ctx, problem.file, problem.path, rule_id
            ):
                continue
            findings.append(Finding(problem.file, _span(schema, problem), rule_id, problem.message))
    return sorted(findings)
