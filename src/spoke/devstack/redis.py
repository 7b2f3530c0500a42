"""Throwaway Redis 7: a master, replicas and Sentinels on 127.0.0.1.

No persistence; each server has its own directory and log. Talks to the servers
over a plain socket (:func:`command`), so the devstack needs no Redis client library.
"""

from __future__ import annotations

import io
import shutil
import socket
from pathlib import Path

from spoke.devstack.process import SpawnedServer, wait_until

HOST = "127.0.0.1"
MASTER_NAME = "spoke"

RespValue = str | int | list["RespValue"] | None


class RespError(Exception):
    """The server answered with a RESP error (``-ERR ...``)."""


def _encode(args: tuple[str | int, ...]) -> bytes:
    out = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = str(arg).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def _read(stream: io.BufferedReader) -> RespValue:
    line = stream.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("connection closed mid-reply")
    kind, body = line[:1], line[1:-2]
    if kind == b"+":
        return body.decode()
    if kind == b"-":
        raise RespError(body.decode())
    if kind == b":":
        return int(body)
    if kind == b"$":
        size = int(body)
        if size < 0:
            return None
        data = stream.read(size + 2)
        return data[:-2].decode(errors="replace")
    if kind == b"*":
        count = int(body)
        return None if count < 0 else [_read(stream) for _ in range(count)]
    raise ConnectionError(f"unexpected RESP reply {line!r}")


def command(port: int, *args: str | int, host: str = HOST, timeout: float = 2.0) -> RespValue:
    """Send one command to a Redis (or Sentinel) server and return its decoded reply."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(_encode(args))
        with sock.makefile("rb") as stream:
            return _read(stream)


def info(port: int, section: str) -> dict[str, str]:
    """``INFO section`` as a dict of its ``key:value`` lines."""
    reply = command(port, "INFO", section)
    fields: dict[str, str] = {}
    for line in str(reply).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key] = value
    return fields


def _answers_ping(port: int) -> bool:
    try:
        return command(port, "PING") == "PONG"
    except (OSError, RespError):
        return False


class RedisServer(SpawnedServer):
    """A Redis master, or a replica of ``replica_of`` (a ``(host, port)`` pair)."""

    def __init__(
        self, name: str, directory: Path, port: int, *, replica_of: tuple[str, int] | None = None
    ) -> None:
        super().__init__(name, directory, port, HOST)
        self.replica_of = replica_of

    @property
    def marker(self) -> str:
        # Redis replaces its command line with "redis-server 127.0.0.1:PORT".
        return f"{self.host}:{self.port}"

    def argv(self) -> list[str]:
        argv = [shutil.which("redis-server") or "redis-server"]
        argv += ["--port", str(self.port), "--bind", self.host, "--dir", str(self.directory)]
        argv += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", ""]
        # Any server may become the master after a failover: sync replicas at once
        # instead of waiting 5 s for more replicas to join the diskless transfer.
        argv += ["--repl-diskless-sync-delay", "0", "--shutdown-timeout", "2"]
        if self.replica_of is not None:
            argv += ["--replicaof", self.replica_of[0], str(self.replica_of[1])]
        return argv

    def _ready(self) -> bool:
        if not _answers_ping(self.port):
            return False
        if self.replica_of is None:
            return True
        try:
            return info(self.port, "replication").get("master_link_status") == "up"
        except (OSError, RespError):
            return False


class RedisSentinel(SpawnedServer):
    """A Sentinel monitoring ``master`` under :data:`MASTER_NAME`, quorum 2."""

    def __init__(
        self,
        name: str,
        directory: Path,
        port: int,
        *,
        master: tuple[str, int],
        quorum: int = 2,
        down_after_ms: int = 1000,
        failover_timeout_ms: int = 3000,
    ) -> None:
        super().__init__(name, directory, port, HOST)
        self.master = master
        self.quorum = quorum
        self.down_after_ms = down_after_ms
        self.failover_timeout_ms = failover_timeout_ms

    @property
    def marker(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.directory / "sentinel.conf"

    def _prepare(self) -> None:
        # Sentinel rewrites its config with what it learns (current master, peers);
        # a restart keeps that file so the Sentinel resumes with today's master.
        if self.config_path.exists():
            return
        lines = [
            f"port {self.port}",
            f"bind {self.host}",
            f'dir "{self.directory}"',
            "daemonize no",
            'logfile ""',
            f"sentinel monitor {MASTER_NAME} {self.master[0]} {self.master[1]} {self.quorum}",
            f"sentinel down-after-milliseconds {MASTER_NAME} {self.down_after_ms}",
            f"sentinel failover-timeout {MASTER_NAME} {self.failover_timeout_ms}",
            f"sentinel parallel-syncs {MASTER_NAME} 1",
        ]
        self.config_path.write_text("\n".join(lines) + "\n")

    def argv(self) -> list[str]:
        return [shutil.which("redis-sentinel") or "redis-sentinel", str(self.config_path)]

    def _ready(self) -> bool:
        return self.master_address() is not None

    def master_address(self) -> tuple[str, int] | None:
        """The master this Sentinel currently names for :data:`MASTER_NAME`, if any."""
        try:
            reply = command(self.port, "SENTINEL", "get-master-addr-by-name", MASTER_NAME)
        except (OSError, RespError):
            return None
        if isinstance(reply, list) and len(reply) == 2:
            return (str(reply[0]), int(str(reply[1])))
        return None

    def view(self) -> dict[str, str]:
        """``SENTINEL MASTER spoke`` as a dict (``num-slaves``, ``num-other-sentinels``...)."""
        reply = command(self.port, "SENTINEL", "MASTER", MASTER_NAME)
        items = [str(item) for item in reply] if isinstance(reply, list) else []
        return dict(zip(items[::2], items[1::2], strict=False))


def wait_sentinels_converged(
    sentinels: list[RedisSentinel], *, replicas: int, timeout: float = 15.0
) -> None:
    """Wait until every Sentinel knows the others and the replicas.

    Only then can a quorum agree on a failover. Sentinels find each other through
    hello messages on the master, sent every 2 s.
    """

    def converged() -> bool:
        try:
            views = [sentinel.view() for sentinel in sentinels]
        except (OSError, RespError):
            return False
        return all(
            int(view.get("num-other-sentinels", "0")) >= len(sentinels) - 1
            and int(view.get("num-slaves", "0")) >= replicas
            for view in views
        )

    wait_until(
        converged,
        timeout=timeout,
        what=f"{len(sentinels)} Sentinels agreeing on master {MASTER_NAME!r}",
        log=sentinels[0].log_path if sentinels else None,
    )
