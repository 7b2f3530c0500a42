"""``spoke pull``: download a version's tree and check every file against its sha256."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from spoke.cli.archives import tar_gz_files
from spoke.cli.client import CliError, RegistryClient, path_of
from spoke.cli.localfiles import write_tree
from spoke.cli.output import err
from spoke.domain.paths import validate_path
from spoke.domain.trees import validate_relative_path


def parse_reference(text: str) -> tuple[str, str]:
    module, _, version = text.partition("@")
    if not module:
        raise CliError(f"{text!r}: write it as MODULE or MODULE@VERSION")
    return module, version or "latest"


def pull(client: RegistryClient, module: str, ref: str, out_dir: Path) -> dict[str, Any]:
    meta: dict[str, Any] = client.json("GET", path_of("modules", module, "versions", ref))
    version = meta["version"]  # pinned: `latest` cannot move between the two requests
    archive = _download(client, path_of("modules", module, "versions", version, "archive"))
    expected = {f["path"]: f["sha256"] for f in meta["files"]}
    _extract(archive, expected, out_dir)
    return meta


def _download(client: RegistryClient, path: str) -> bytes:
    buffer = io.BytesIO()
    response = client.stream("GET", path, params={"format": "tar.gz"})
    try:
        total = int(response.headers.get("Content-Length", "0")) or None
        with Progress(
            TextColumn("downloading"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=err,
            transient=True,
        ) as progress:
            task = progress.add_task("download", total=total)
            for chunk in response.iter_bytes():
                buffer.write(chunk)
                progress.advance(task, len(chunk))
    finally:
        response.close()
    return buffer.getvalue()


def _extract(archive: bytes, expected: dict[str, str], out_dir: Path) -> None:
    """Write the archive's files under ``out_dir``, refusing anything unexpected: every
    path must be one a version can hold, listed in its metadata, with that sha256."""
    contents = tar_gz_files(archive, _version_path)
    for path, data in contents.items():
        if path not in expected:
            raise CliError(f"the archive holds {path!r}, which the version does not list")
        if hashlib.sha256(data).hexdigest() != expected[path]:
            raise CliError(f"{path} does not match its sha256: the download is corrupt")
    missing = sorted(set(expected) - set(contents))
    if missing:
        raise CliError(f"the archive lacks {len(missing)} file(s), first {missing[0]!r}")
    write_tree(out_dir, contents)


def _version_path(path: str) -> str:
    """A path a version can hold (the registry checks the same on push), and safe to write."""
    return validate_relative_path(validate_path(path))
