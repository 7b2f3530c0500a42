"""A steady mixed load through the balancer: pushes of new versions, version reads and
file reads, each request recorded (kind, when, how long, what came back).

Threads, not asyncio: the tests inject faults with blocking calls (stopping a server
waits for it), which must not stall the load.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

CLIENT_TIMEOUT = 30.0
# Push pacing: a few a second is steady traffic without saturating two cores.
PUSH_INTERVAL = 0.2
READ_INTERVAL = 0.02
# A pinned version's metadata, one of its files, `latest`, the version list.
READS = ("version", "file", "latest", "list")
METADATA_READS = ("version", "latest", "list")
COMMON = 'syntax = "proto3";\npackage chaos;\n\nmessage Common {\n  string id = 1;\n}\n'


@dataclass(frozen=True)
class Outcome:
    """One request: ``status`` is None when no HTTP answer came (connection error, timeout)."""

    kind: str  # "push", or one of READS
    started: float  # time.monotonic()
    seconds: float
    status: int | None
    error: str = ""  # the JSON error code, the exception, or "wrong bytes"

    @property
    def ended(self) -> float:
        return self.started + self.seconds

    @property
    def ok(self) -> bool:
        return self.status in {200, 201} and not self.error


@dataclass
class SteadyLoad:
    """Run with ``start()``/``stop()``; read ``outcomes`` and ``acknowledged`` after."""

    base_url: str
    module: str
    readers: int = 2
    outcomes: list[Outcome] = field(default_factory=list)
    #: Every version the registry acknowledged (200/201), with the bytes of each file.
    acknowledged: dict[str, dict[str, bytes]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next: int = 0

    def start(self) -> None:
        workers: list[Callable[[httpx.Client], None]] = [self._push_one]
        workers += [self._read_one] * self.readers
        for n, work in enumerate(workers):
            thread = threading.Thread(target=self._loop, args=(work,), name=f"load-{n}")
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=CLIENT_TIMEOUT + 5)
        assert not any(t.is_alive() for t in self._threads), "a load thread did not stop"

    # -- views -----------------------------------------------------------------------
    def since(self, moment: float, kinds: tuple[str, ...] = ()) -> list[Outcome]:
        with self._lock:
            found = [o for o in self.outcomes if o.ended >= moment]
        return [o for o in found if not kinds or o.kind in kinds]

    def failures(self, since: float = 0.0, kinds: tuple[str, ...] = ()) -> list[Outcome]:
        return [o for o in self.since(since, kinds) if not o.ok]

    def successes(self, since: float = 0.0, kinds: tuple[str, ...] = ()) -> list[Outcome]:
        return [o for o in self.since(since, kinds) if o.ok]

    def slowest(self) -> float:
        with self._lock:
            return max((o.seconds for o in self.outcomes), default=0.0)

    def wait_for_success(self, kinds: tuple[str, ...], since: float, within: float) -> float:
        """Poll until a request of each kind started after ``since`` succeeds; return when
        the last of them ended (the moment the service was back)."""
        deadline = time.monotonic() + within
        while True:
            back = [
                min(
                    (o.ended for o in self.successes(since, (kind,)) if o.started >= since),
                    default=None,
                )
                for kind in kinds
            ]
            if all(moment is not None for moment in back):
                return max(m for m in back if m is not None)
            if time.monotonic() > deadline:
                raise AssertionError(f"no successful {kinds} within {within} s of the fault")
            time.sleep(0.05)

    # -- the work ----------------------------------------------------------------------
    def _loop(self, work: Callable[[httpx.Client], None]) -> None:
        with httpx.Client(base_url=self.base_url, timeout=CLIENT_TIMEOUT) as client:
            while not self._stop.is_set():
                work(client)

    def _record(
        self, kind: str, started: float, response: httpx.Response | None, error: str = ""
    ) -> None:
        seconds = time.monotonic() - started
        status = None if response is None else response.status_code
        if response is not None and response.status_code >= 400 and not error:
            error = _error_code(response)
        with self._lock:
            self.outcomes.append(Outcome(kind, started, seconds, status, error))

    def _push_one(self, client: httpx.Client) -> None:
        with self._lock:
            self._next += 1
            n = self._next
        version = f"v1.0.{n}"
        files = {
            "chaos/common.proto": COMMON.encode(),
            "chaos/item.proto": (
                f'syntax = "proto3";\npackage chaos;\n\nimport "chaos/common.proto";\n\n'
                f"message Item{n} {{\n  Common common = 1;\n  int64 n = 2;\n}}\n"
            ).encode(),
        }
        body = {
            "version": version,
            "files": [{"path": p, "content": c.decode()} for p, c in files.items()],
        }
        started = time.monotonic()
        try:
            response = client.post(f"/modules/{self.module}/versions", json=body)
        except httpx.HTTPError as exc:
            self._record("push", started, None, f"{type(exc).__name__}: {exc}")
        else:
            self._record("push", started, response)
            if response.status_code in {200, 201}:
                with self._lock:
                    self.acknowledged[version] = files
        self._stop.wait(PUSH_INTERVAL)

    def _read_one(self, client: httpx.Client) -> None:
        with self._lock:
            versions = list(self.acknowledged.items())
        if not versions:
            self._stop.wait(0.05)
            return
        version, files = random.choice(versions)
        path = random.choice(list(files))
        kind = random.choice(READS)
        url = f"/modules/{self.module}/versions"
        if kind in {"version", "file"}:
            url += f"/{version}"
        if kind == "file":
            url += f"/files/{path}"
        elif kind == "latest":
            url += "/latest"
        started = time.monotonic()
        try:
            response = client.get(url)
        except httpx.HTTPError as exc:
            self._record(kind, started, None, f"{type(exc).__name__}: {exc}")
        else:
            wrong = (
                kind == "file" and response.status_code == 200 and response.content != files[path]
            )
            self._record(kind, started, response, "wrong bytes" if wrong else "")
        self._stop.wait(READ_INTERVAL)


def _error_code(response: httpx.Response) -> str:
    """The project's JSON error code, or a note that the body was not that shape."""
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code} without the JSON error shape"
    return str(code)
