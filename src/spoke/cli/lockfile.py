"""``spoke.lock`` on disk: ``spoke deps lock`` writes it, ``spoke push`` sends it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spoke.cli.client import CliError
from spoke.cli.localfiles import check_inside
from spoke.domain.errors import InvalidArgument
from spoke.domain.lock import LOCK_FILE, LOCK_FORMAT, Lock


def read_lock(root: Path) -> Lock | None:
    """The lock in ``root``, or None when there is none."""
    path = root / LOCK_FILE
    if not path.is_file():
        return None
    try:
        return Lock.parse(check_inside(root, path).read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CliError(f"{path} is not valid UTF-8: {exc.reason}") from None
    except InvalidArgument as exc:
        raise CliError(f"{path}: {exc.message}; run `spoke deps lock` again") from None


def write_lock(root: Path, lock: Lock) -> Path:
    if not root.is_dir():
        raise CliError(f"{root} is not a directory")
    path = root / LOCK_FILE
    if path.is_symlink():  # written through only when it stays inside ROOT
        check_inside(root, path)
    path.write_text(lock.render(), encoding="utf-8")
    return path


def push_dependencies(
    root: Path, deps: list[dict[str, str]]
) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
    """What ``spoke push`` sends: its ``--dep`` pins (the lock's ``requires`` when none are
    given) and, when ``root`` holds a lock, the lock's pins for the registry to check."""
    lock = read_lock(root)
    if lock is None:
        return deps, None
    required = [{"module": d.module, "version": d.version} for d in lock.requires]
    given = {(d["module"], d["version"]) for d in deps}
    if given and given != {(d.module, d.version) for d in lock.requires}:
        raise CliError(
            f"the --dep options differ from what {root / LOCK_FILE} requires ("
            + ", ".join(f"{d['module']}@{d['version']}" for d in required)
            + "): run `spoke deps lock` with the new dependencies, or leave out --dep"
        )
    pins = {"version": LOCK_FORMAT, "dependencies": [p.as_dict() for p in lock.pins]}
    return required, pins
