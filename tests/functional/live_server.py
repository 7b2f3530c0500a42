"""``spoke serve`` as a real process on free ports, for tests that need a socket."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def googleapis_tree(dest: Path) -> Path:
    """The .proto files of googleapis-common-protos (not the well-known types)."""
    spec = importlib.util.find_spec("google.api")
    assert spec is not None and spec.submodule_search_locations
    google = Path(next(iter(spec.submodule_search_locations))).parent
    for proto in google.rglob("*.proto"):
        relative = proto.relative_to(google.parent)
        if relative.parts[1] == "protobuf":
            continue
        (dest / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(proto, dest / relative)
    return dest


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    api: str
    ops: str
    log: Path


def wait_until_ready(server: Server, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"spoke serve exited early:\n{server.log.read_text()}")
        try:
            if httpx.get(f"{server.ops}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"spoke serve was not ready in time:\n{server.log.read_text()}")


@contextlib.contextmanager
def running_server(workdir: Path, environment: dict[str, str] | None = None) -> Iterator[Server]:
    """Start ``spoke serve`` with its data under ``workdir``; kill it on the way out."""
    port, health_port = free_port(), free_port()
    env = {
        **os.environ,
        "SPOKE_HOST": "127.0.0.1",
        "SPOKE_PORT": str(port),
        "SPOKE_HEALTH_PORT": str(health_port),
        "SPOKE_DATA_DIR": str(workdir / "data"),
        "SPOKE_SPROCKET_LANGUAGES": "none",
        # Tests send bursts (the fuzzer alone ~700 requests, ~350 writes): limits on, but
        # far above the defaults. Tests of the limits themselves set small ones.
        "SPOKE_RATE_LIMIT_READ": "100000/minute",
        "SPOKE_RATE_LIMIT_WRITE": "100000/minute",
        "SPOKE_RATE_LIMIT_COMPILE": "100000/minute",
        **(environment or {}),
    }
    log = workdir / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "spoke", "serve"],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{health_port}", log)
    try:
        wait_until_ready(server, time.monotonic() + 30)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``spoke`` command against ``server``."""
    env = {**os.environ, "SPOKE_REGISTRY": server.api}
    return subprocess.run(
        [sys.executable, "-m", "spoke", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by its relative path."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
