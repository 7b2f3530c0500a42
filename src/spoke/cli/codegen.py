"""``spoke compile`` and ``spoke languages``: generated code from the registry."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn

from spoke.cli.archives import zip_files
from spoke.cli.client import CliError, RegistryClient, path_of
from spoke.cli.localfiles import write_tree
from spoke.cli.output import err
from spoke.domain.trees import validate_generated_path

POLL_FOR = 600.0


def compile_version(
    client: RegistryClient, module: str, ref: str, language: str, grpc: bool
) -> dict[str, Any]:
    """Ask the registry to compile; wait while another worker is on it."""
    params = {"grpc": "true"} if grpc else {}
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}", markup=False), console=err, transient=True
    ) as bar:
        bar.add_task(f"compiling {module}@{ref} for {language}")
        response = client.request(
            "POST", path_of("modules", module, "versions", ref, "compile", language), params=params
        )
        job: dict[str, Any] = response.json()
        deadline = time.monotonic() + POLL_FOR
        while response.status_code == 202:
            if time.monotonic() > deadline:
                raise CliError(f"the compile is still {job['status']} after {POLL_FOR:.0f} s")
            time.sleep(float(response.headers.get("Retry-After", "1")))
            response = client.request("GET", response.headers["Location"])
            if response.status_code == 202:
                job = response.json()
            else:
                return job | {"status": "succeeded"}
    return job


def download(client: RegistryClient, job: dict[str, Any]) -> bytes:
    artifact = job.get("artifact")
    if not artifact:
        grpc = "?grpc=true" if job["grpc"] else ""
        url = f"/modules/{job['module']}/versions/{job['version']}/download/{job['language']}{grpc}"
        total = None
    else:
        url, total = artifact["download_url"], artifact["size"]
    buffer = io.BytesIO()
    response = client.stream("GET", url)
    try:
        with Progress(
            TextColumn("downloading"), BarColumn(), DownloadColumn(), console=err, transient=True
        ) as bar:
            task = bar.add_task("download", total=total)
            for chunk in response.iter_bytes():
                buffer.write(chunk)
                bar.advance(task, len(chunk))
    finally:
        response.close()
    return buffer.getvalue()


def unpack(data: bytes, out_dir: Path) -> int:
    """Write the archive's generated files under ``out_dir``; an entry that is not a
    plausible generated file (a dotfile, a path leaving ``out_dir``, a link) stops it all
    before anything is written."""
    files = zip_files(data, validate_generated_path)
    write_tree(out_dir, files)
    return len(files)
