"""``// buf:lint:ignore RULE_ID`` comments, as buf reads them.

A finding is ignored when the leading comment of its element, or of any element that
contains it (a descriptor path prefix: the field's message, the method's service, the
``extend`` block around an extension), has a line that starts with
``buf:lint:ignore <RULE_ID>`` once trimmed. buf matches that as a plain prefix, so
``buf:lint:ignore COMMENT_ENUM_VALUE`` also ignores COMMENT_ENUM; we keep it. Where a
path has several locations (every top-level ``extend`` block is [7]) the first counts,
as in buf. Findings on a file as a whole cannot be ignored by comment. Lines that start
with ``buf:lint:ignore`` do not count as documentation for the COMMENT_* rules.
"""

from __future__ import annotations

from spoke.domain.lint.context import Context
from spoke.domain.lint.walk import Path

IGNORE_PREFIX = "buf:lint:ignore"


def _lines(comment: str) -> list[str]:
    return [line.strip() for line in comment.splitlines()]


def is_documentation(comment: str) -> bool:
    """Whether a leading comment says something besides ignore directives."""
    return any(line and not line.startswith(IGNORE_PREFIX) for line in _lines(comment))


def ignored_by_comment(ctx: Context, file: str, path: Path | None, rule_id: str) -> bool:
    """Whether a ``buf:lint:ignore`` comment on the element at ``path`` or one that
    contains it ignores ``rule_id`` there."""
    if path is None:
        return False
    directive = f"{IGNORE_PREFIX} {rule_id}"
    for end in range(len(path), 0, -1):
        # The first location of a path, as buf looks it up: every top-level ``extend``
        # block is [7], so the first block's directives count for all of them.
        location = ctx.schema.location(file, path[:end])
        if location is None:
            continue
        if any(line.startswith(directive) for line in _lines(location.leading_comments)):
            return True
    return False
