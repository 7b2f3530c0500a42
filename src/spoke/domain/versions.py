"""Semantic versions with a leading ``v`` (``v1.2.3``, ``v2.0.0-rc.1``, ``v1.0.0+build.5``).

Precedence follows semver 2.0.0. ``sort_key`` encodes it as bytes that compare the same way
byte by byte, so a database can order and page versions by a plain index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

from spoke.domain.errors import InvalidArgument

LATEST = "latest"
MAX_VERSION_LENGTH = 128

_SEMVER = re.compile(
    r"v(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
    r"(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?",
    re.ASCII,  # \d must not match other scripts' digits: int() would read them
)

# Byte markers of the sort key. Identifier characters are all >= 0x2d, so these
# low bytes never collide with identifier text.
_PRE_END = b"\x01"  # ends the prerelease list: a shorter list sorts first
_PRE_NEXT = b"\x02"  # precedes each prerelease identifier
_NUMERIC = b"\x03"  # numeric identifiers sort before alphanumeric ones
_ALNUM = b"\x04"
_HAS_PRERELEASE = b"\x00"  # a prerelease sorts before its release
_RELEASE = b"\x01"


def _number(digits: str) -> bytes:
    # Length first, so that 10 sorts after 9 without padding.
    return bytes([len(digits)]) + digits.encode("ascii")


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse ``vMAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`` or raise ``InvalidArgument``."""
        if len(text) > MAX_VERSION_LENGTH:
            raise InvalidArgument(
                f"version is {len(text)} characters long; the limit is {MAX_VERSION_LENGTH}",
                details={"version": text[:MAX_VERSION_LENGTH] + "…"},
            )
        match = _SEMVER.fullmatch(text)
        if match is None:
            raise InvalidArgument(
                f"invalid version {text!r}: use a semantic version with a leading 'v', "
                "such as v1.2.3 or v2.0.0-rc.1",
                details={"version": text},
            )
        pre, build = match["pre"], match["build"]
        return cls(
            int(match["major"]),
            int(match["minor"]),
            int(match["patch"]),
            tuple(pre.split(".")) if pre else (),
            tuple(build.split(".")) if build else (),
        )

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    @property
    def sort_key(self) -> bytes:
        """Bytes ordered like semver precedence, ties (build metadata) broken by text."""
        key = _number(str(self.major)) + _number(str(self.minor)) + _number(str(self.patch))
        if self.prerelease:
            key += _HAS_PRERELEASE
            for ident in self.prerelease:
                kind = _NUMERIC + _number(ident) if ident.isdigit() else _ALNUM + ident.encode()
                key += _PRE_NEXT + kind
            key += _PRE_END
        else:
            key += _RELEASE
        return key + b"\x00" + ".".join(self.build).encode("ascii")

    def __str__(self) -> str:
        text = f"v{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self.sort_key < other.sort_key


def validate_version(text: str) -> str:
    """Return the canonical text of a pinned version (``latest`` is not one)."""
    return str(Version.parse(text))


def validate_version_ref(text: str) -> str:
    """Accept a pinned version or ``latest``."""
    return text if text == LATEST else validate_version(text)
