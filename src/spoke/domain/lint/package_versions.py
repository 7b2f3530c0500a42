"""The version that ends a package name (``foo.bar.v1``, ``foo.v1beta1``), as
PACKAGE_VERSION_SUFFIX and STABLE_PACKAGE_NO_IMPORT_UNSTABLE read it.

Accepted forms of the last component: ``v<N>``, ``v<N>test<anything>``,
``v<N>(alpha|beta)[<M>]`` and ``v<N>p<P>(alpha|beta)[<M>]``, every number at least 1.
buf reads the numbers as 64-bit integers, so leading zeros pass (``v01``) and numbers too
big for one fail; we follow it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_INT64_MAX = 2**63 - 1
_VERSION = re.compile(
    r"v(?P<major>[0-9]+)"
    r"(?:"
    r"(?P<test>test.*)"
    r"|(?:p(?P<patch>[0-9]+))?(?P<stage>alpha|beta)(?P<stage_number>[0-9]*)"
    r")?",
    re.ASCII | re.DOTALL,
)


@dataclass(frozen=True)
class PackageVersion:
    """A parsed version suffix; ``stable`` when it is neither alpha, beta nor test."""

    major: int
    stable: bool


def _positive(digits: str | None, *, optional: bool = False) -> bool:
    if not digits:
        return optional
    return 1 <= int(digits) <= _INT64_MAX


def parse_package_version(package: str) -> PackageVersion | None:
    """The version ending ``package``, or ``None`` when it has none (a package of a
    single component has none: the version must follow a name)."""
    components = package.split(".")
    if len(components) < 2:
        return None
    match = _VERSION.fullmatch(components[-1])
    if match is None or not _positive(match["major"]):
        return None
    if match["stage"] is not None:
        patch_ok = match["patch"] is None or _positive(match["patch"])
        if not (patch_ok and _positive(match["stage_number"], optional=True)):
            return None
    stable = match["test"] is None and match["stage"] is None
    return PackageVersion(int(match["major"]), stable)
