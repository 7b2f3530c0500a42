"""``spoke push``: collect a tree of .proto files and push it as a version."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TransferSpeedColumn,
)

from spoke.cli.client import CliError, RegistryClient, path_of
from spoke.cli.localfiles import check_inside
from spoke.cli.lockfile import push_dependencies
from spoke.cli.output import err

_CHUNK = 256 * 1024


def collect_files(root: Path) -> list[Path]:
    """Every ``.proto`` below ``root`` (hidden directories skipped) and a root README.md.

    Links to folders are not followed; a link to a file is read only when it resolves
    inside ``root`` (and not into a hidden folder): one that leaves ``root`` is an error.
    """
    if not root.is_dir():
        raise CliError(f"{root} is not a directory")
    found = sorted(
        check_inside(root, p)
        for p in root.rglob("*.proto")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
    readme = root / "README.md"
    if readme.is_file():
        found.append(check_inside(root, readme))
    if not any(p.suffix == ".proto" for p in found):
        raise CliError(f"no .proto files found under {root}")
    return found


def parse_dependency(text: str) -> dict[str, str]:
    module, sep, version = text.partition("@")
    if not sep or not module or not version:
        raise CliError(f"--dep {text!r}: write it as MODULE@VERSION, such as acme.common@v1.0.0")
    return {"module": module, "version": version}


def read_files(root: Path, paths: list[Path]) -> list[dict[str, str]]:
    files: list[dict[str, str]] = []
    with Progress(
        TextColumn("reading"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} files"),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("read", total=len(paths))
        for path in paths:
            try:
                content = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise CliError(f"{path} is not valid UTF-8: {exc.reason}") from exc
            files.append({"path": path.relative_to(root).as_posix(), "content": content})
            progress.advance(task)
    return files


def push(
    client: RegistryClient,
    root: Path,
    module: str,
    version: str,
    deps: list[str],
    source: dict[str, str | None] | None,
) -> dict[str, Any]:
    files = read_files(root, collect_files(root))
    # ROOT/spoke.lock, when there is one, supplies the pins (unless --dep does) and is sent
    # for the registry to check against the closure it resolves.
    pins, lock = push_dependencies(root, [parse_dependency(d) for d in deps])
    payload: dict[str, Any] = {"version": version, "files": files, "dependencies": pins}
    if lock is not None:
        payload["lock"] = lock
    if source:
        payload["source"] = source
    body = orjson.dumps(payload)

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(f"pushing {len(files)} files", total=len(body))

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(body), _CHUNK):
                chunk = body[start : start + _CHUNK]
                yield chunk
                progress.advance(task, len(chunk))
            progress.update(task, description="compiling and storing")

        response = client.request(
            "POST",
            path_of("modules", module, "versions"),
            content=chunks(),
            headers={"Content-Type": "application/json", "Content-Length": str(len(body))},
        )
    result: dict[str, Any] = response.json()
    result["created"] = response.status_code == 201
    return result
