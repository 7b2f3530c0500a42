"""Paths the CLI writes under an output folder, from archives a registry sends.

Every such path is *relative*: ``/``-separated, valid UTF-8, no control, separator or
format character (bidirectional, zero-width), no ``\\``, not absolute, no empty, ``.`` or ``..``
segment. Joined under a folder, it names a file inside that folder and never the folder
itself. (``paths.validate_path`` is the stricter rule for a version's own files.)

A *generated* path (``spoke compile``) is relative, has no segment starting with ``.`` (no
``.git/config``, no dotfiles) and a file name that one of the code generators writes: a
suffix of ``GENERATED_SUFFIXES`` or a name of ``GENERATED_NAMES``. Adding a language to
``compile/languages.py`` whose generator writes another suffix means adding it here.
"""

from __future__ import annotations

from spoke.domain.errors import InvalidArgument
from spoke.domain.paths import relative_path_problem
from spoke.domain.text import escape_invisible

# What protoc and the plugins of compile/languages.py write, and what their gRPC plugins
# add: Python, C++, Java, Kotlin, C#, Ruby, PHP, Objective-C, Go, TypeScript (and its
# JavaScript form), the descriptor set.
GENERATED_SUFFIXES = (
    "_pb2.py",
    "_pb2.pyi",
    "_pb2_grpc.py",
    ".pb.h",
    ".pb.cc",
    ".java",
    ".kt",
    ".cs",
    "_pb.rb",
    ".rbs",
    ".php",
    ".pbobjc.h",
    ".pbobjc.m",
    ".pbrpc.h",
    ".pbrpc.m",
    ".pb.go",
    "_pb.ts",
    "_pb.js",
    "_pb.d.ts",
    ".binpb",
)
GENERATED_NAMES = frozenset({"package.json"})  # the TypeScript manifest


def _reject(path: str, reason: str) -> InvalidArgument:
    shown = escape_invisible(path.encode("utf-8", "backslashreplace").decode("utf-8"))
    return InvalidArgument(f"unsafe file path {shown!r}: {reason}", details={"path": shown})


def validate_relative_path(path: str) -> str:
    """Return ``path`` if it is a relative path (see above), else raise ``InvalidArgument``."""
    if (problem := relative_path_problem(path)) is not None:
        raise _reject(*problem)
    return path


def validate_generated_path(path: str) -> str:
    """Return ``path`` if it is a generated path (see above), else raise ``InvalidArgument``."""
    validate_relative_path(path)
    segments = path.split("/")
    if any(segment.startswith(".") for segment in segments):
        raise _reject(path, "it has a hidden segment (starting with '.')")
    name = segments[-1]
    if name not in GENERATED_NAMES and not any(
        name.endswith(suffix) and name != suffix for suffix in GENERATED_SUFFIXES
    ):
        raise _reject(path, "it is not the name of a generated source file")
    return path
