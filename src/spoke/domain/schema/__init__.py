"""Compiled schemas as protoc describes them (a ``FileDescriptorSet`` with source info),
and the findings that the breaking and lint checks report on them. Checks compare
descriptors, never text."""

from __future__ import annotations

from spoke.domain.schema.findings import NO_SPAN, Finding, Span
from spoke.domain.schema.model import Schema

__all__ = ["NO_SPAN", "Finding", "Schema", "Span"]
