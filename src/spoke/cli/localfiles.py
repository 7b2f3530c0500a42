"""Files on this machine: reading inside a folder without following links out of it, and
writing a tree of files under a folder without writing anything outside it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from spoke.cli.client import CliError
from spoke.domain.paths import folder_clash

# O_NOFOLLOW: a link planted where a file goes is an error, not a way out of the folder.
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)


def check_inside(root: Path, path: Path) -> Path:
    """``path`` (below ``root``) if it is a file that, links followed, stays inside
    ``root`` and out of its hidden folders; ``CliError`` for a link that leaves.

    A link inside ``root`` to another file inside it is read as that file; a link to
    anything outside (``README.md -> ~/.netrc``) would publish that file, so it is refused.
    """
    base = root.resolve()
    target = path.resolve()
    if not target.is_relative_to(base):
        raise CliError(f"{path} is a link to {target}, outside {root}: refusing to read it")
    if any(part.startswith(".") for part in target.relative_to(base).parts):
        raise CliError(f"{path} is a link into the hidden path {target}: refusing to read it")
    return path


def write_tree(out_dir: Path, files: Mapping[str, bytes]) -> None:
    """Write ``files`` (relative paths, already checked) under ``out_dir``, creating it.

    A file and a folder of the same name (``a.proto`` and ``a.proto/b.proto``) are refused
    before anything is written; a link already in ``out_dir`` is never written through.
    """
    if clash := folder_clash(files.keys()):
        raise CliError(
            f"the registry sent both {clash[0]!r} and {clash[1]!r}: one is a file, "
            "the other needs a folder of that name"
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for path, data in files.items():
            *folders, name = path.split("/")
            parent = out_dir
            for folder in folders:  # one at a time: nothing is made through a link
                parent = parent / folder
                if parent.is_symlink():
                    raise CliError(f"{parent} is a link: refusing to write {path!r} through it")
                parent.mkdir(exist_ok=True)
            with os.fdopen(os.open(parent / name, _WRITE_FLAGS, 0o666), "wb") as handle:
                handle.write(data)
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise CliError(f"cannot write under {out_dir}: {exc.strerror or exc}{where}") from None
