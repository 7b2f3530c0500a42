"""Free TCP ports on 127.0.0.1 for throwaway servers.

A port is chosen some time before its server binds it. Ports are therefore drawn
outside the kernel's ephemeral range (``ip_local_port_range``, usually 32768-60999):
inside it, any outgoing connection made meanwhile (a replica dialling its master,
psql, pg_basebackup) may be given the same port as its local end. Candidates are
probed by binding them the way a server would (``SO_REUSEADDR``, so a port whose
old connections sit in TIME_WAIT counts as free), and a process-wide set remembers
what was handed out, so two stacks in one process never share a port.
"""

from __future__ import annotations

import random
import socket
import threading
from pathlib import Path

HOST = "127.0.0.1"
LOW = 10000
TOP = 65535
_DEFAULT_EPHEMERAL = (32768, 60999)

_lock = threading.Lock()
_handed_out: set[int] = set()


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for the local ports of outgoing connections."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return _DEFAULT_EPHEMERAL


def is_port_free(port: int, host: str = HOST) -> bool:
    """True if a server could listen on ``host:port`` right now.

    Binds without listening: a process forked by another thread meanwhile holds a
    copy of the probe until it execs, and a *listening* copy would block the very
    server the port is meant for (all of ours set ``SO_REUSEADDR``, which only
    conflicts with listeners).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def is_listening(port: int, host: str = HOST, timeout: float = 0.5) -> bool:
    """True if something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _pick(offsets: tuple[int, ...]) -> int:
    rng = random.SystemRandom()
    low, high = ephemeral_range()
    with _lock:
        for _ in range(5000):
            port = rng.randrange(LOW, TOP + 1 - max(offsets))
            wanted = [port + offset for offset in offsets]
            if any(low <= p <= high or p in _handed_out for p in wanted):
                continue
            if all(is_port_free(p) for p in wanted):
                _handed_out.update(wanted)
                return port
    raise RuntimeError(f"no free port outside the ephemeral range {low}-{high}")


def free_port() -> int:
    """A free port on 127.0.0.1 that this process has not handed out before."""
    return _pick((0,))


def free_port_pair(offset: int = 10000) -> int:
    """A free port ``p`` such that ``p + offset`` is free too (SeaweedFS's gRPC twin)."""
    return _pick((0, offset))
