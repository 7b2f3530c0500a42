"""Push throughput: concurrent clients pushing new 5-file versions to `spoke serve`.

    .venv/bin/python bench/push_bench.py [--clients 8] [--seconds 20] [--runs 3]
        [--embedded | --url URL --token TOKEN] [--no-deps] [--profile out.svg]

By default it starts the production stack (PostgreSQL with a streaming replica, Redis with
Sentinels, SeaweedFS S3, from `spoke.devstack`) and `spoke serve` on it as production runs:
`SPOKE_AUTH_MODE=required` with an admin API key, rate limits on but sized far above the
load, compile workers in other processes (`SPOKE_SPROCKET_EMBEDDED=false`: a push still
enqueues its compile jobs, nobody runs them here). `--embedded` runs on the laptop default
(SQLite and files under a temporary directory) instead; `--url` and `--token` measure a
server that is already running.

Each client owns one module and pushes new versions of it back to back: five small protos
that import each other (a few KB, different content each version), pinned by default to a
two-file dependency module pushed first. Every answer but a 201 is a failure: they are
counted, the first ones printed, and the exit status is 1. `--profile FILE` records the
server with py-spy during the first run (py-spy must be installed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from registry_bench import admin_key, free_port, wait_ready

COMMON = "bench-common"
COMMON_FILES = {
    "acme/common/v1/money.proto": """syntax = "proto3";
package acme.common.v1;

// An amount of money in one currency.
message Money {
  string currency_code = 1;
  int64 units = 2;
  int32 nanos = 3;
}
""",
    "acme/common/v1/page.proto": """syntax = "proto3";
package acme.common.v1;

// A page request and a page of results.
message PageRequest {
  int32 page_size = 1;
  string page_token = 2;
}

message PageInfo {
  string next_page_token = 1;
  int32 total_size = 2;
}
""",
}


def module_files(client: int, serial: int, *, deps: bool) -> dict[str, str]:
    """Five protos of one service that import each other; ``serial`` changes the content."""
    pkg = f"acme.shop{client}.v1"
    base = f"acme/shop{client}/v1"
    money = 'import "acme/common/v1/money.proto";\n' if deps else ""
    page = 'import "acme/common/v1/page.proto";\n' if deps else ""
    price = "acme.common.v1.Money price = 4;" if deps else "int64 price_cents = 4;"
    paging = "acme.common.v1.PageRequest page = 1;" if deps else "int32 page_size = 1;"
    head = f'syntax = "proto3";\npackage {pkg};\n\n// Revision {serial}.\n'
    return {
        f"{base}/ids.proto": head
        + "\n".join(
            f"message {kind}Id {{\n  string value = 1;\n}}\n"
            for kind in ("Product", "Order", "Customer", "Cart")
        ),
        f"{base}/product.proto": head
        + f'import "{base}/ids.proto";\n{money}\n'
        + "// A product in the catalogue.\nmessage Product {\n  ProductId id = 1;\n"
        + f"  string title = 2;\n  string description = 3;\n  {price}\n"
        + "  repeated string tags = 5;\n  map<string, string> attributes = 6;\n"
        + f"  int32 revision = {7 + serial % 100};\n}}\n",
        f"{base}/customer.proto": head
        + f'import "{base}/ids.proto";\nimport "google/protobuf/timestamp.proto";\n\n'
        + "message Address {\n  repeated string lines = 1;\n  string city = 2;\n"
        + "  string postal_code = 3;\n  string country = 4;\n}\n\n"
        + "message Customer {\n  CustomerId id = 1;\n  string email = 2;\n"
        + "  Address shipping = 3;\n  google.protobuf.Timestamp created_at = 4;\n}\n",
        f"{base}/order.proto": head
        + f'import "{base}/ids.proto";\nimport "{base}/product.proto";\n'
        + f'import "{base}/customer.proto";\n\n'
        + "enum OrderState {\n  ORDER_STATE_UNSPECIFIED = 0;\n  ORDER_STATE_OPEN = 1;\n"
        + "  ORDER_STATE_PAID = 2;\n  ORDER_STATE_SHIPPED = 3;\n}\n\n"
        + "message OrderLine {\n  Product product = 1;\n  int32 quantity = 2;\n}\n\n"
        + "message Order {\n  OrderId id = 1;\n  Customer customer = 2;\n"
        + "  repeated OrderLine lines = 3;\n  OrderState state = 4;\n}\n",
        f"{base}/shop_service.proto": head
        + f'import "{base}/ids.proto";\nimport "{base}/order.proto";\n'
        + f'import "{base}/product.proto";\n{page}\n'
        + f"message ListProductsRequest {{\n  {paging}\n  string filter = 2;\n}}\n\n"
        + "message ListProductsResponse {\n  repeated Product products = 1;\n}\n\n"
        + "message GetOrderRequest {\n  OrderId id = 1;\n}\n\n"
        + "service ShopService {\n"
        + "  rpc ListProducts(ListProductsRequest) returns (ListProductsResponse);\n"
        + "  rpc GetOrder(GetOrderRequest) returns (Order);\n}\n",
    }


def push_body(version: str, files: dict[str, str], deps: bool) -> dict[str, object]:
    body: dict[str, object] = {
        "version": version,
        "files": [{"path": p, "content": c} for p, c in files.items()],
    }
    if deps:
        body["dependencies"] = [{"module": COMMON, "version": "v1.0.0"}]
    return body


@dataclass
class Run:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


async def client_loop(
    http: httpx.AsyncClient,
    client: int,
    serials: Iterator[int],
    deadline: float,
    run: Run,
    deps: bool,
) -> None:
    module = f"bench-shop-{client}"
    while time.monotonic() < deadline:
        serial = next(serials)
        body = push_body(f"v1.{serial}.0", module_files(client, serial, deps=deps), deps)
        started = time.perf_counter()
        try:
            response = await http.post(f"/modules/{module}/versions", json=body)
        except httpx.HTTPError as exc:
            run.failures.append(f"{module} v1.{serial}.0: {type(exc).__name__}: {exc}")
            continue
        elapsed = time.perf_counter() - started
        if response.status_code != 201:
            run.failures.append(f"{module} v1.{serial}.0: {response.status_code} {response.text}")
        else:
            run.latencies.append(elapsed)


async def measure(
    url: str,
    headers: dict[str, str],
    clients: int,
    seconds: float,
    serials: list[Iterator[int]],
    deps: bool,
) -> Run:
    run = Run()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60, limits=limits) as http:
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(client_loop(http, i, serials[i], deadline, run, deps) for i in range(clients))
        )
        run.seconds = time.monotonic() - started
    return run


def push_common(url: str, headers: dict[str, str]) -> None:
    body = {
        "version": "v1.0.0",
        "files": [{"path": p, "content": c} for p, c in COMMON_FILES.items()],
    }
    response = httpx.post(
        f"{url}/modules/{COMMON}/versions", json=body, headers=headers, timeout=60
    )
    if response.status_code not in (200, 201):
        raise SystemExit(f"pushing {COMMON} failed: {response.status_code} {response.text}")


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(label: str, run: Run) -> None:
    done = len(run.latencies)
    if not done:
        print(f"{label}: no push succeeded; {len(run.failures)} failed")
        return
    print(
        f"{label}: {done / run.seconds:6.1f} pushes/s  ({done} in {run.seconds:.1f} s)  "
        f"p50 {statistics.median(run.latencies) * 1000:6.1f} ms  "
        f"p99 {quantile(run.latencies, 0.99) * 1000:6.1f} ms  errors {len(run.failures)}"
    )


@contextmanager
def production_env(work: Path) -> Iterator[dict[str, str]]:
    from spoke.devstack import running_stack

    with running_stack(work / "stack") as stack:
        yield stack.env()


@contextmanager
def serve(
    env: dict[str, str], *, auth: bool = True, workers: int = 1, log_level: str = "warning"
) -> Iterator[tuple[str, str, int]]:
    """`spoke serve` as production runs it; yields its URL, an admin key and its PID."""
    port, health = free_port(), free_port()
    env = {
        **env,
        "SPOKE_PORT": str(port),
        "SPOKE_HEALTH_PORT": str(health),
        "SPOKE_LOG_LEVEL": log_level,
        "SPOKE_AUTH_MODE": "required" if auth else "none",
        "SPOKE_WORKERS": str(workers),
        "SPOKE_SPROCKET_EMBEDDED": "false",
        **{
            f"SPOKE_RATE_LIMIT_{cls}": "1000000000/minute"
            for cls in ("READ", "WRITE", "COMPILE", "AUTH_FAILURES")
        },
    }
    token = admin_key(env) if auth else ""
    server = subprocess.Popen(
        [sys.executable, "-m", "spoke", "serve"],
        env=env,
        start_new_session=True,
        # The access log (log level info) is written, as in production, and dropped here.
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL if log_level == "info" else None,
    )
    try:
        wait_ready(f"http://127.0.0.1:{health}/health/ready", time.monotonic() + 60)
        yield f"http://127.0.0.1:{port}", token, server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@contextmanager
def profiling(pid: int | None, out: str | None, seconds: float) -> Iterator[None]:
    if out is None or pid is None:
        yield
        return
    # A .txt file gets py-spy's collapsed stacks (for grep), anything else a flame graph.
    kind = "raw" if out.endswith(".txt") else "flamegraph"
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--nonblocking",
            "--duration",
            str(int(seconds)),
            "--format",
            kind,
            "--output",
            out,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.wait(timeout=seconds + 60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--embedded", action="store_true", help="SQLite and local files")
    parser.add_argument("--url", help="a running server (with --token)")
    parser.add_argument("--token", help="an API key with write access to bench-* modules")
    parser.add_argument("--no-deps", action="store_true", help="versions pin no dependency")
    parser.add_argument("--profile", metavar="FILE", help="py-spy the server in the first run")
    args = parser.parse_args()
    deps = not args.no_deps
    if args.clients < 1 or args.runs < 1 or args.seconds <= 0:
        parser.error("--clients, --runs and --seconds must be positive")

    with ExitStack() as stack:
        pid = None
        if args.url:
            url, token = args.url.rstrip("/"), args.token or ""
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="spoke-push-")))
            if args.embedded:
                env = {**os.environ, "SPOKE_DATA_DIR": str(work / "data")}
            else:
                env = {**os.environ, **stack.enter_context(production_env(work))}
            url, token, pid = stack.enter_context(serve(env))
            print(f"server pid {pid} at {url} ({'embedded' if args.embedded else 'production'})")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if deps:
            push_common(url, headers)
        # Versions are unique across runs (and across bench invocations on one server).
        first = int(time.time()) % 100_000 * 1000
        serials = [iter(range(first, first + 10**7)) for _ in range(args.clients)]
        print(
            f"{args.clients} clients, 5-file versions{' + 1 dependency' if deps else ''}, "
            f"{args.seconds:g} s x {args.runs} runs"
        )
        runs = []
        for i in range(args.runs):
            with profiling(pid, args.profile if i == 0 else None, args.seconds):
                run = asyncio.run(measure(url, headers, args.clients, args.seconds, serials, deps))
            report(f"  run {i + 1}", run)
            runs.append(run)
        total = Run(
            seconds=sum(r.seconds for r in runs),
            latencies=[x for r in runs for x in r.latencies],
            failures=[x for r in runs for x in r.failures],
        )
        report("  all  ", total)
        for failure in total.failures[:5]:
            print(f"  failed: {failure[:500]}")
        return 1 if total.failures else 0


if __name__ == "__main__":
    sys.exit(main())
