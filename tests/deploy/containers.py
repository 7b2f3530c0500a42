"""Build Spoke's image from the Containerfile and run it hardened, with rootful Podman.

``scripts/install-container-tools.sh`` installs Podman and writes its settings for this
kind of machine (it prints the two ``CONTAINERS_*`` variables); with no registry
reachable, ``scripts/build-base-image.sh`` makes the Debian base image from Debian
packages. Containers share the host's network (no bridge here), so each listens on free
ports of 127.0.0.1 given as ``SPOKE_PORT`` / ``SPOKE_HEALTH_PORT``, and reaches the test
stack's PostgreSQL, Redis and S3 where the host does.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from spoke.devstack.ports import HOST, free_port

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "localhost/spoke:latest"
BUILD_STAGE = "localhost/spoke-build:latest"
# What docs/container-image.md tells operators to run with (host networking aside).
HARDENED = (
    "--read-only",
    "--tmpfs",
    "/tmp",
    "--user",
    "65532",
    "--cap-drop=ALL",
    "--security-opt",
    "no-new-privileges",
)
# Generous for a loaded 2-core machine: a deadline only bounds how long a failure takes.
READY_DEADLINE = 60.0


@dataclass
class Podman:
    """The ``podman`` command with this machine's private settings."""

    env: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, *args: str, timeout: float = 120.0) -> str:
        """``podman ARGS``; its stdout. Fails the test with stderr on a non-zero exit."""
        return self.command(["podman", *args], timeout=timeout)

    def command(self, argv: list[str], *, timeout: float) -> str:
        done = subprocess.run(
            argv,
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode != 0:
            pytest.fail(f"{' '.join(argv[:3])} … exited {done.returncode}:\n{done.stderr[-4000:]}")
        return done.stdout


def podman_or_skip() -> Podman:
    """Podman installed and configured; skips only where rootful Podman cannot run."""
    if os.geteuid() != 0:
        pytest.skip("building and running the image needs rootful Podman: run as root")
    setup = Podman(dict(os.environ))
    printed = setup.command(["bash", "scripts/install-container-tools.sh"], timeout=600)
    settings = dict(
        line.split("=", 1) for line in printed.splitlines() if line.startswith("CONTAINERS_")
    )
    assert set(settings) == {"CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF"}, printed
    return Podman({**os.environ, **settings})


def build_image(podman: Podman) -> str:
    """The base image (cached after the first time), then Spoke's image from the
    Containerfile; returns the image name. Records how long each took."""
    started = time.monotonic()
    base = podman.command(["bash", "scripts/build-base-image.sh"], timeout=600).split()[-1]
    podman.timings["base image"] = time.monotonic() - started
    started = time.monotonic()
    build = ("build", "--pull=never", "--network=host", f"--build-arg=DEBIAN_IMAGE={base}")
    # The build stage tagged too (the second build reuses it whole), so that pruning the
    # images earlier builds left behind keeps the layers the next build can reuse.
    podman.run(
        *build, "--target=build", f"--tag={BUILD_STAGE}", "--file=Containerfile", ".", timeout=900
    )
    podman.run(*build, f"--tag={IMAGE}", "--file=Containerfile", ".", timeout=900)
    podman.timings["image build"] = time.monotonic() - started
    podman.run("image", "prune", "--force")
    return IMAGE


@dataclass
class Container:
    """One running container of the image, and where to reach it."""

    podman: Podman
    id: str
    api: str
    health: str

    def logs(self) -> str:
        done = subprocess.run(
            ["podman", "logs", self.id], env=self.podman.env, capture_output=True, text=True
        )
        return (done.stdout + done.stderr)[-4000:]

    def exec(self, *argv: str) -> str:
        """``argv`` run in the container; its stdout (the test fails if it fails)."""
        return self.podman.run("exec", self.id, *argv)

    def attempt(self, *argv: str) -> subprocess.CompletedProcess[str]:
        """``argv`` run in the container, which may fail."""
        return subprocess.run(
            ["podman", "exec", self.id, *argv],
            env=self.podman.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def state(self) -> dict[str, str]:
        fields = "{{.State.Status}} {{.State.ExitCode}}"
        status, code = self.podman.run("inspect", "--format", fields, self.id).split()
        return {"status": status, "exit_code": code}


@contextmanager
def running(
    podman: Podman, image: str, env: Mapping[str, str] | None = None
) -> Iterator[Container]:
    """A hardened container of ``image`` with ``env`` (through a file: secrets stay off the
    command line), ready; removed on exit whatever happened."""
    api_port, health_port = free_port(), free_port()
    settings = {**(env or {}), "SPOKE_PORT": str(api_port), "SPOKE_HEALTH_PORT": str(health_port)}
    with tempfile.NamedTemporaryFile("w", prefix="spoke-env-", suffix=".list") as env_file:
        env_file.write("".join(f"{name}={value}\n" for name, value in settings.items()))
        env_file.flush()
        cid = podman.run(
            "run", "--detach", "--network=host", *HARDENED, "--env-file", env_file.name, image
        ).strip()
    container = Container(podman, cid, f"http://{HOST}:{api_port}", f"http://{HOST}:{health_port}")
    try:
        wait_ready(container)
        yield container
    finally:
        subprocess.run(
            ["podman", "rm", "--force", "--time", "0", cid],
            env=podman.env,
            capture_output=True,
            timeout=120,
        )


def wait_ready(container: Container) -> None:
    """Poll ``/health/ready`` until it answers 200; fail at once if the container exits."""
    deadline = time.monotonic() + READY_DEADLINE
    with httpx.Client(timeout=2.0) as client:
        while True:
            try:
                if client.get(f"{container.health}/health/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if container.state()["status"] != "running":
                pytest.fail(f"the container stopped before it was ready:\n{container.logs()}")
            if time.monotonic() > deadline:
                pytest.fail(f"not ready after {READY_DEADLINE:.0f} s:\n{container.logs()}")
            time.sleep(0.2)
