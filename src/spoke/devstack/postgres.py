"""Throwaway PostgreSQL 15: a primary and streaming replicas on 127.0.0.1.

When we run as root, the PostgreSQL tools run as the ``postgres`` user through
``runuser``, the postmaster is started as that user directly (see
:func:`spoke.devstack.process.spawn`), and the server directories belong to it.
"""

from __future__ import annotations

import os
import pwd
import signal
import stat
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from spoke.devstack.packages import PG_BIN
from spoke.devstack.process import DevstackError, SpawnedServer, StartupError, wait_until

HOST = "127.0.0.1"
USER = "postgres"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
_INITDB_FLAGS = ("-E", "UTF8", "--locale=C", "--no-sync")
# -c fast: checkpoint at once (a spread checkpoint takes ~90 s). -C -S: a replication
# slot keeps the WAL that a stopped replica still needs to catch up.
_BASEBACKUP_FLAGS = ("-R", "-X", "stream", "-c", "fast", "-C", "--no-sync")


def _as_root() -> bool:
    return os.geteuid() == 0


def _owner() -> pwd.struct_passwd | None:
    """The account servers run as when we are root (None: run as ourselves)."""
    return pwd.getpwnam(USER) if _as_root() else None


def _can_traverse(path: Path, account: pwd.struct_passwd) -> bool:
    """True if ``account`` may enter ``path`` and every directory above it."""
    groups = {account.pw_gid, *os.getgrouplist(account.pw_name, account.pw_gid)}
    for directory in [path, *path.parents]:
        st = directory.stat()
        if st.st_uid == account.pw_uid:
            bit = stat.S_IXUSR
        elif st.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def base_dir(workdir: Path) -> tuple[Path, bool]:
    """Where the PostgreSQL directories go, and whether that is outside ``workdir``.

    The ``postgres`` user cannot enter pytest's ``/tmp/pytest-of-root`` (mode 0700);
    then the clusters live in a fresh temporary directory that the caller removes.
    """
    account = _owner()
    workdir = workdir.resolve()
    if account is None or _can_traverse(workdir, account):
        return workdir / "postgres", False
    outside = Path(tempfile.mkdtemp(prefix="spoke-devstack-pg-"))
    os.chown(outside, account.pw_uid, account.pw_gid)
    return outside, True


class PostgresServer(SpawnedServer):
    """One PostgreSQL cluster: the primary, or a streaming replica of ``primary``.

    The postmaster is our direct child (``postgres -D ...``), stopped with SIGINT:
    PostgreSQL's *fast* shutdown. SIGTERM would be its *smart* shutdown, which waits
    for every client (a test's connection pool) to disconnect.
    """

    stop_signal = signal.SIGINT
    stop_group = False

    def __init__(
        self, name: str, root: Path, port: int, *, primary: PostgresServer | None = None
    ) -> None:
        super().__init__(name, root, port, HOST)
        self.primary = primary
        self.account = _owner()
        self.start_timeout = START_TIMEOUT
        self.stop_timeout = STOP_TIMEOUT
        self.data_dir = root / "data"
        self.socket_dir = root / "sock"

    def url(self, database: str = "spoke") -> str:
        return f"postgresql://{USER}@{self.host}:{self.port}/{database}"

    # -- lifecycle -------------------------------------------------------------------
    def create(self, database: str = "spoke") -> None:
        """Initialise and start: ``initdb`` for a primary, ``pg_basebackup`` for a replica."""
        self._make_root()
        if self.primary is None:
            self._run(
                "initdb",
                ["-D", str(self.data_dir), "-A", "trust", "-U", USER, *_INITDB_FLAGS],
            )
            self.start()
            self.query(f'CREATE DATABASE "{database}"')
        else:
            source = ["-h", self.primary.host, "-p", str(self.primary.port), "-U", USER]
            slot = self.name.replace("-", "_")
            self._run(
                "pg_basebackup",
                [*source, "-D", str(self.data_dir), *_BASEBACKUP_FLAGS, "-S", slot],
            )
            self.start()

    def start(self) -> None:
        """Start on the existing data dir; a replica also waits until it streams."""
        super().start()
        if self.primary is not None and self.primary.is_running:
            self.wait_streaming()

    def argv(self) -> list[str]:
        argv = [str(PG_BIN / "postgres"), "-D", str(self.data_dir)]
        options = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            "cluster_name": self.name,
            # Test servers only: speed over durability.
            "fsync": "off",
            "full_page_writes": "off",
            # A replica whose primary went away retries every 0.5 s, not every 5 s.
            "wal_retrieve_retry_interval": "500ms",
        }
        for key, value in options.items():
            argv += ["-c", f"{key}={value}"]
        return argv

    def _ready(self) -> bool:
        """``postmaster.pid`` names our process and says ready (as ``pg_ctl -w`` checks)."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return (
            len(lines) >= 8
            and lines[0].strip() == str(self.pid)
            and lines[7].strip() in {"ready", "standby"}
        )

    # -- queries ---------------------------------------------------------------------
    def query(self, sql: str, database: str = "postgres", timeout: float = 10.0) -> str:
        """Run one SQL statement with psql; return its unaligned, tuples-only output."""
        argv = [str(PG_BIN / "psql"), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"]
        argv += ["-h", self.host, "-p", str(self.port), "-U", USER, "-d", database, "-c", sql]
        env = {**os.environ, "PGCONNECT_TIMEOUT": "3"}
        result = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise DevstackError(f"{self.name}: psql failed: {result.stderr.strip()}")
        return result.stdout.strip()

    def is_streaming(self) -> bool:
        """True if this replica's WAL receiver is streaming from the primary."""
        try:
            return self.query("SELECT status FROM pg_stat_wal_receiver") == "streaming"
        except (DevstackError, subprocess.TimeoutExpired):
            return False

    def wait_streaming(self, timeout: float = START_TIMEOUT) -> None:
        wait_until(
            self.is_streaming,
            timeout=timeout,
            what=f"{self.name} streaming from the primary",
            log=self.log_path,
            alive=lambda: self.is_running,
        )

    # -- failover --------------------------------------------------------------------
    def require_synchronous_standby(self, replicas: Sequence[PostgresServer]) -> None:
        """A commit returns once any one of ``replicas`` has it on disk (``ANY 1``): a
        crash of this primary then loses nothing that was acknowledged, if the most
        advanced replica is the one promoted (:meth:`replay_position`). A replica names
        itself by its ``cluster_name``."""
        names = ", ".join(f'"{replica.name}"' for replica in replicas)
        self.query(f"ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 ({names})'")
        self.query("SELECT pg_reload_conf()")
        wait_until(
            lambda: (
                self.query("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'quorum'")
                == str(len(replicas))
            ),
            timeout=START_TIMEOUT,
            what=f"{self.name}: replicas in the synchronous quorum",
            log=self.log_path,
        )

    def replay_position(self) -> int:
        """How far this replica has replayed the WAL (bytes): promote the furthest."""
        return int(self.query("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint"))

    def promote(self) -> None:
        """Make this replica a primary (``pg_promote`` waits until it accepts writes)."""
        if self.query("SELECT pg_promote(true, 30)") != "t":
            raise DevstackError(f"{self.name}: pg_promote did not finish")
        self.primary = None

    def follow(self, primary: PostgresServer) -> None:
        """Stream from ``primary`` from now on (after a failover): its replication slot for
        us, our ``primary_conninfo``, a reload; returns once streaming."""
        slot = self.name.replace("-", "_")
        exists = primary.query(
            f"SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{slot}'"  # noqa: S608
        )
        if exists == "0":
            primary.query(f"SELECT pg_create_physical_replication_slot('{slot}')")
        conninfo = (
            f"host={primary.host} port={primary.port} user={USER} application_name={self.name}"
        )
        self.query(f"ALTER SYSTEM SET primary_conninfo = '{conninfo}'")
        self.query(f"ALTER SYSTEM SET primary_slot_name = '{slot}'")
        self.query("SELECT pg_reload_conf()")
        self.primary = primary
        self.wait_streaming()

    # -- helpers ---------------------------------------------------------------------
    def _make_root(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self.account is not None:
            for path in (self.directory, self.socket_dir):
                os.chown(path, self.account.pw_uid, self.account.pw_gid)
        self.directory.chmod(0o700)

    def _run(self, program: str, args: Sequence[str], timeout: float = 120.0) -> None:
        """Run a PostgreSQL tool to completion, as ``postgres`` (via runuser) if root."""
        prefix = ["runuser", "-u", USER, "--"] if self.account is not None else []
        result = subprocess.run(
            [*prefix, str(PG_BIN / program), *args],
            cwd=self.directory,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip()
            raise StartupError(f"{self.name}: {program} failed ({result.returncode}): {output}")
