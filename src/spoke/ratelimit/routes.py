"""Which limit a request counts against: its route class, by method and path."""

from __future__ import annotations

import re

from spoke.ratelimit.limiter import RouteClass

_READS = {"GET", "HEAD", "OPTIONS"}
# The requests that run protoc on what the caller sends or names, the dearest calls:
# compiling a version, linting files, checking breaking changes, diffing two versions.
# A push (dry run or not) compiles too, but is a write and counts as one.
_COMPILE_POSTS = re.compile(
    r"/modules/[^/]+/versions/[^/]+/compile/[^/]+/?|/lint/?|/modules/[^/]+/breaking/?"
)
_COMPILE_READS = re.compile(r"/modules/[^/]+/versions/[^/]+/diff/?")


def route_class(method: str, path: str) -> RouteClass:
    """``compile`` for the requests that run protoc, ``read`` for the other GET/HEAD,
    else ``write``."""
    if method in _READS:
        return "compile" if method != "OPTIONS" and _COMPILE_READS.fullmatch(path) else "read"
    if method == "POST" and _COMPILE_POSTS.fullmatch(path):
        return "compile"
    return "write"
