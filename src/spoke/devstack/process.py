"""Process plumbing shared by the devstack servers: start, signal, wait, read logs.

Every server runs in its own session (process group), so one signal to the group
reaches the server and whatever it forked. Waits poll with a deadline; a timeout
raises :class:`StartupError` carrying the tail of the server's log.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from spoke.devstack.ports import is_port_free

POLL_INTERVAL = 0.05


class DevstackError(RuntimeError):
    """A devstack server could not be installed, started or stopped."""


class StartupError(DevstackError):
    """A server did not become ready in time (the message ends with its log tail)."""


def log_tail(path: Path, lines: int = 30) -> str:
    """The last ``lines`` lines of a log file, or a note that there is none."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def wait_until(
    ready: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    log: Path | None = None,
    alive: Callable[[], bool] | None = None,
) -> None:
    """Poll ``ready`` until it is true; raise :class:`StartupError` on timeout.

    ``alive`` (if given) is checked too, so a server that exits at once fails fast
    instead of waiting out the deadline.
    """
    deadline = time.monotonic() + timeout
    while True:
        if ready():
            return
        if alive is not None and not alive():
            raise StartupError(_with_log(f"{what}: the process exited", log))
        if time.monotonic() >= deadline:
            raise StartupError(_with_log(f"{what}: not ready after {timeout:.0f} s", log))
        time.sleep(POLL_INTERVAL)


def _with_log(message: str, log: Path | None) -> str:
    if log is None:
        return message
    return f"{message}; last lines of {log}:\n{log_tail(log)}"


def pid_alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # The state letter follows the parenthesised command name, which may hold spaces.
    return stat.rsplit(")", 1)[-1].split()[0] not in {"Z", "X"}


def pid_matches(pid: int, needle: str) -> bool:
    """True if ``pid`` is alive and its command line mentions ``needle``.

    Guards against signalling an unrelated process that reused a recorded PID.
    """
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return needle.encode() in cmdline and pid_alive(pid)


def _signal(pid: int, sig: signal.Signals, *, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError):
        if group:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)


def terminate(
    pid: int,
    *,
    sig: signal.Signals = signal.SIGTERM,
    group: bool = True,
    timeout: float = 15.0,
    popen: subprocess.Popen[bytes] | None = None,
) -> None:
    """Send ``sig`` (to the process group by default), wait, then SIGKILL the group.

    ``popen`` is reaped when given, so no zombie or ResourceWarning is left behind.
    """

    def gone() -> bool:
        if popen is not None:
            return popen.poll() is not None
        return not pid_alive(pid)

    if not gone():
        _signal(pid, sig, group=group)
        deadline = time.monotonic() + timeout
        while not gone() and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)
    # Also reaches children left behind by a leader that already exited.
    _signal(pid, signal.SIGKILL, group=True)
    if popen is not None:
        popen.wait(timeout=10)
    else:
        deadline = time.monotonic() + 10
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL)


def process_tree(pid: int) -> list[int]:
    """``pid`` and every live descendant, parents first (from /proc's children lists).

    Signalling a process group is not enough for every server: PostgreSQL's backends each
    call setsid(), so they are in groups of their own.
    """
    tree, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        tree.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                queue += [int(child) for child in (task / "children").read_text().split()]
    return tree


def spawn(
    argv: Sequence[str],
    *,
    log: Path,
    cwd: Path,
    account: pwd.struct_passwd | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start a server in a new session with stdin closed and output appended to ``log``.

    With ``account`` the child switches to that user (and only its primary group)
    itself, rather than through ``runuser``: the server stays our direct child, so we
    reap it. PID 1 on these machines reaps orphans late, and a zombie postmaster
    whose PID is still in ``postmaster.pid`` would block the next start.
    """
    with log.open("ab") as out:
        return subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=None if account is None else account.pw_uid,
            group=None if account is None else account.pw_gid,
            extra_groups=None if account is None else [],
        )


class SpawnedServer:
    """A server process this Python process started, owns and reaps.

    Subclasses provide ``argv()`` and ``_ready()``; ``start`` can be called again
    after ``stop``/``kill`` and reuses the same port and directory.
    """

    name: str
    host: str
    port: int
    directory: Path
    start_timeout: float = 30.0
    stop_timeout: float = 15.0
    stop_signal: signal.Signals = signal.SIGTERM
    # False: the stop signal goes to the leader only (it then stops its own children).
    stop_group: bool = True
    account: pwd.struct_passwd | None = None
    #: The whole environment of the process (None: inherit ours).
    env: Mapping[str, str] | None = None

    def __init__(self, name: str, directory: Path, port: int, host: str = "127.0.0.1") -> None:
        self.name = name
        self.directory = directory
        self.port = port
        self.host = host
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.directory / f"{self.name}.log"

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen is not None else None

    @property
    def is_running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def address(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def marker(self) -> str:
        """A string in the running server's command line, to recognise its PID later."""
        return str(self.directory)

    def argv(self) -> list[str]:
        raise NotImplementedError

    def _prepare(self) -> None:
        """Write config files before (re)starting; default: nothing."""

    def _ready(self) -> bool:
        raise NotImplementedError

    def listen_ports(self) -> list[int]:
        """Every port the server listens on."""
        return [self.port]

    def start(self) -> None:
        if self.is_running:
            return
        # Else a readiness probe could be answered by whoever holds the port.
        busy = [port for port in self.listen_ports() if not is_port_free(port, self.host)]
        if busy:
            raise StartupError(f"{self.name}: port(s) {busy} on {self.host} already in use")
        self.directory.mkdir(parents=True, exist_ok=True)
        self._prepare()
        self._popen = spawn(
            self.argv(), log=self.log_path, cwd=self.directory, account=self.account, env=self.env
        )
        try:
            wait_until(
                self._ready,
                timeout=self.start_timeout,
                what=f"{self.name} on port {self.port}",
                log=self.log_path,
                alive=lambda: self.is_running,
            )
        except BaseException:
            self.kill()
            raise

    def stop(self) -> None:
        """Send ``stop_signal``, wait up to ``stop_timeout``, then SIGKILL the group."""
        if self._popen is not None:
            terminate(
                self._popen.pid,
                sig=self.stop_signal,
                group=self.stop_group,
                timeout=self.stop_timeout,
                popen=self._popen,
            )

    def pause(self) -> None:
        """SIGSTOP the server and every process it started: connections stay open and
        nothing answers, as behind a network partition (for fault-injection tests)."""
        if self._popen is not None:
            for pid in process_tree(self._popen.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT what :meth:`pause` stopped."""
        if self._popen is not None:
            for pid in process_tree(self._popen.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL the process group at once (a crash, for fault-injection tests)."""
        if self._popen is not None:
            terminate(self._popen.pid, sig=signal.SIGKILL, timeout=0, popen=self._popen)
