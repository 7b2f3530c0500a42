"""File paths inside a module version, and the trees they make.

A path is relative, ``/``-separated, valid UTF-8, and names a ``.proto`` file (or
``README.md`` at the root, for docs). It has

- no empty, ``.`` or ``..`` segments, and no ``\\``: it joins safely under a directory and
  goes into an archive as it is;
- no control characters (category Cc: NUL, newlines, ...), no line or paragraph
  separators (Zl, Zp) and no format characters (Cf: the bidirectional embeddings,
  overrides and isolates U+202A to U+202E and U+2066 to U+2069, the zero-width characters
  and marks U+200B to U+200F and U+2060, the BOM U+FEFF, ...): a path reads as what it
  is ("Trojan Source"), and one argument stays one line;
- no segment starting with ``-`` or ``@``: protoc (which has no ``--``) and most command
  line tools take ``-x`` for an option and protoc takes ``@x`` for a file of arguments,
  in whatever folder a user runs them on pulled files.

A tree (``validate_tree``) holds each path once, and no path that is the folder of
another (``a.proto`` beside ``a.proto/b.proto``): it can be written to one directory.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from spoke.domain.errors import InvalidArgument
from spoke.domain.text import escape_invisible, first_invisible

MAX_PATH_BYTES = 1024
README = "README.md"
PROTO_SUFFIX = ".proto"
_OPTION_PREFIXES = ("-", "@")


def _reject(path: str, reason: str) -> InvalidArgument:
    # Shown escaped: a message must not carry the invisible characters it refuses.
    shown = escape_invisible(path.encode("utf-8", "backslashreplace").decode("utf-8"))
    return InvalidArgument(f"invalid file path {shown!r}: {reason}", details={"path": shown})


def relative_path_problem(path: str) -> tuple[str, str] | None:
    """Why ``path`` is not a relative path that joins safely under a folder (empty, not
    UTF-8, too long, an invisible character, ``\\``, absolute, an empty, ``.`` or ``..``
    segment), as ``(path as shown, reason)``; None when it is one."""
    if not path:
        return path, "it is empty"
    try:
        encoded = path.encode("utf-8")
    except UnicodeEncodeError:
        return path, "it is not valid UTF-8"
    if len(encoded) > MAX_PATH_BYTES:
        return path[:64] + "…", f"it is longer than {MAX_PATH_BYTES} bytes"
    # (Surrogates cannot be encoded: they were reported as invalid UTF-8 above.)
    if (found := first_invisible(path)) is not None:
        return path, f"it contains a control or invisible formatting character (U+{ord(found):04X})"
    if "\\" in path:
        return path, "use '/' to separate directories, not '\\'"
    if path.startswith("/"):
        return path, "it must be relative, not absolute"
    if any(seg in ("", ".", "..") for seg in path.split("/")):
        return path, "it must not contain empty, '.' or '..' segments"
    return None


def validate_path(path: str) -> str:
    """Return ``path`` if it is a valid file path in a version, else raise ``InvalidArgument``."""
    if (problem := relative_path_problem(path)) is not None:
        raise _reject(*problem)
    segments = path.split("/")
    if any(seg.startswith(_OPTION_PREFIXES) for seg in segments):
        raise _reject(path, "no file or folder name may start with '-' or '@'")
    if path != README and not path.endswith(PROTO_SUFFIX):
        raise _reject(path, f"only {PROTO_SUFFIX} files (and a root {README}) may be pushed")
    if path.endswith(PROTO_SUFFIX) and segments[-1] == PROTO_SUFFIX:
        raise _reject(path, "the file name is empty")
    return path


def validate_tree(paths: Iterable[str]) -> list[str]:
    """Return ``paths`` if together they are a valid tree, else raise ``InvalidArgument``:
    each is a valid path (``validate_path``), none comes twice, and none is the folder of
    another."""
    seen: set[str] = set()
    checked: list[str] = []
    for path in paths:
        validate_path(path)
        if path in seen:
            raise _reject(path, "it comes twice")
        seen.add(path)
        checked.append(path)
    if (clash := folder_clash(seen)) is not None:
        file, nested = clash
        raise InvalidArgument(
            f"{file!r} is both a file and the folder of {nested!r}",
            details={"path": file, "nested": nested},
        )
    return checked


def folder_clash(paths: Collection[str]) -> tuple[str, str] | None:
    """A path of ``paths`` that is also a folder of another one, with that other one
    (``("a.proto", "a.proto/b.proto")``), or None when the paths fit in one directory."""
    for path in sorted(paths):
        segments = path.split("/")
        for end in range(1, len(segments)):
            if (folder := "/".join(segments[:end])) in paths:
                return folder, path
    return None


def is_proto(path: str) -> bool:
    return path.endswith(PROTO_SUFFIX)
