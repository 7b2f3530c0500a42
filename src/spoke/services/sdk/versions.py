"""A module version's name in each package manager's version scheme.

Spoke versions are semantic versions with a leading ``v``. The mappings keep every
release and the common pre-release spellings; a version a scheme cannot express is left
out of that ecosystem (``None``), never renamed into a version that sorts differently.
"""

from __future__ import annotations

from packaging.version import InvalidVersion
from packaging.version import Version as Pep440Version

from spoke.domain.versions import Version

# The pre-release labels whose semver order (alphabetical) is PEP 440's order too.
_PRE_LABELS = {"alpha": "a", "beta": "b", "rc": "rc"}


def pep440(version: str) -> str | None:
    """The PEP 440 version of a Spoke version, or None when PEP 440 cannot express it
    in the same order.

    ``v1.2.3`` → ``1.2.3``. Pre-releases ``-alpha``, ``-beta`` and ``-rc``, alone or with
    one number (``-rc.1``), become ``a``, ``b`` and ``rc`` with that number, 0 when absent:
    ``v2.0.0-rc.1`` → ``2.0.0rc1``, ``v1.0.0-alpha`` → ``1.0.0a0`` (so ``-alpha.0``, which
    would be the same version, has none). Build metadata becomes a local version label,
    lowercased with ``-`` read as ``.`` (``v1.0.0+Build-5`` → ``1.0.0+build.5``): pip
    installs it, and ``==1.0.0`` accepts it too. Any other pre-release (``-dev.1``,
    ``-alpha.beta``, ``-rc.1.2``, ``-RC.1``, ``-nightly``) has no PEP 440 form: PEP 440
    orders its labels differently from semver's alphabetical order, or has none.
    """
    parsed = Version.parse(version)
    text = f"{parsed.major}.{parsed.minor}.{parsed.patch}"
    if parsed.prerelease:
        suffix = _pep440_prerelease(parsed.prerelease)
        if suffix is None:
            return None
        text += suffix
    if parsed.build:
        text += "+" + ".".join(parsed.build)
    try:
        return str(Pep440Version(text))
    except InvalidVersion:
        return None


def _pep440_prerelease(identifiers: tuple[str, ...]) -> str | None:
    label, *rest = identifiers
    if label not in _PRE_LABELS:
        return None
    if not rest:
        return _PRE_LABELS[label] + "0"
    if len(rest) == 1 and rest[0].isdigit() and rest[0] != "0":
        return _PRE_LABELS[label] + rest[0]
    return None


def npm(version: str) -> str | None:
    """The npm version of a Spoke version: the semantic version without its ``v``
    (``v2.0.0-rc.1`` → ``2.0.0-rc.1``), or None with build metadata, which npm drops
    (``v1.0.0+a`` and ``v1.0.0+b`` would both be ``1.0.0``)."""
    parsed = Version.parse(version)
    return None if parsed.build else version.removeprefix("v")


def go(version: str) -> str | None:
    """The Go module version of a Spoke version: the same text (Go versions are semantic
    versions with a ``v``), or None with build metadata, which Go does not accept."""
    return None if Version.parse(version).build else version


def go_major_suffix(version: str) -> str:
    """The module path's major-version suffix Go requires from v2 on (``/v2``), else ``""``."""
    major = Version.parse(version).major
    return f"/v{major}" if major >= 2 else ""
