"""Spoke: a self-hostable Protobuf schema registry."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spoke-registry")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
