"""The benchmark suite: every figure of docs/benchmarks.md, in one command and one run.

    .venv/bin/python bench/suite.py [--seconds 5] [--push-seconds 15] [--versions 100000]

Needs `wrk`, `nginx` and `h2load` on PATH (Debian packages `wrk`, `nginx-light`,
`nghttp2-client`). Prints Markdown tables:

1. reads under wrk (2 threads, 64 connections, on the same 2 cores as the server), each as
   requests/s, p50/p99 and a ratio to nginx serving the very same bytes in the same run:
   on the embedded default (auth none), and on the production stack (PostgreSQL with a
   replica, Redis with Sentinels, SeaweedFS S3: `spoke.devstack`) with
   `SPOKE_AUTH_MODE=required` and an API key, with 1 and with 2 workers. Rate limits stay
   on, sized above the load;
2. the pinned read at a fixed 1,000 requests/s (h2load), p50/p99/max;
3. pushes of 5-file versions from 8 clients on the production stack (bench/push_bench.py);
4. a module's version list with 100 and with 100,000 versions (seeded in SQL): precomputed
   (wrk) and from the database (a new query each time);
5. the server's RSS idle and under load.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from push_bench import Run, measure, production_env, push_common, serve
from registry_bench import free_port, googleapis_tree, start_nginx, wait_ready

from spoke.domain.versions import Version

MODULE = "googleapis"
FILE = "google/api/annotations.proto"  # about 1 KB
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass
class Load:
    rps: float
    p50: float  # ms
    p99: float  # ms


def wrk(url: str, seconds: int, headers: dict[str, str]) -> Load:
    extra = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(
        ["wrk", "-t2", "-c64", f"-d{seconds}s", "--timeout", "10s", "--latency", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # A wrong status or a response wrk cannot parse would be fast nonsense: refuse it.
    for failure in ("Non-2xx or 3xx responses", "Socket errors"):
        if failure in out:
            raise SystemExit(f"{url}: {failure}\n{out}")
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rps, out
    quantiles = {
        q: float(v) * UNITS[u] for q, v, u in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)\b", out)
    }
    return Load(float(rps.group(1)), quantiles["50"], quantiles["99"])


def fixed_rate(url: str, rate: int, seconds: int, headers: dict[str, str], work: Path) -> str:
    """h2load at ``rate`` requests/s (10 connections): p50, p99 and max of every request."""
    log = work / "h2load.log"
    extra = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    clients = 10
    subprocess.run(
        [
            *("h2load", "--h1", "-c", str(clients), "-t", "1", "--rps", str(rate // clients)),
            *("-D", str(seconds), "--log-file", str(log), *extra, url),
        ],
        capture_output=True,
        check=True,
    )
    rows = [line.split("\t") for line in log.read_text().splitlines() if line]
    statuses = {row[1] for row in rows}
    if statuses != {"200"}:
        raise SystemExit(f"h2load: statuses {statuses}")
    times = sorted(int(row[2]) / 1000 for row in rows)
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    return (
        f"{len(times) / seconds:.0f} req/s sent; p50 {statistics.median(times):.2f} ms, "
        f"p99 {p99:.2f} ms, max {times[-1]:.2f} ms"
    )


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its children (the workers), in MiB."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    total = 0
    for each in pids:
        status = Path(f"/proc/{each}/status")
        if status.exists():
            found = re.search(r"^VmRSS:\s+(\d+) kB", status.read_text(), re.MULTILINE)
            total += int(found.group(1)) if found else 0
    return total / 1024


@contextmanager
def nginx_serving(bodies: dict[str, bytes], work: Path) -> Iterator[str]:
    root = work / "www"
    for name, body in bodies.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(body)
    # nginx's workers drop root: they must be able to read the files.
    for path in [work, root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    process, url = start_nginx(root, work)
    try:
        wait_ready(f"{url}/{next(iter(bodies))}", time.monotonic() + 10)
        yield url
    finally:
        process.terminate()
        process.wait()


def reads() -> dict[str, str]:
    """The requests measured, by name: each a path under the API."""
    base = f"/modules/{MODULE}/versions"
    return {
        "pinned version metadata": f"{base}/v1.0.0",
        "1 KB file of a pinned version": f"{base}/v1.0.0/files/{FILE}",
        "`latest` metadata": f"{base}/latest",
        "version list (first page)": base,
    }


def read_table(
    label: str,
    api: str,
    headers: dict[str, str],
    nginx: str,
    seconds: int,
) -> list[str]:
    rows = []
    for name, path in reads().items():
        served = wrk(f"{api}{path}", seconds, headers)
        baseline = wrk(f"{nginx}/{slug(path)}", seconds, {})
        rows.append(
            f"| {label} | {name} | {served.rps:,.0f} | {served.p50:.2f} / {served.p99:.2f} | "
            f"{baseline.rps:,.0f} | **{served.rps / baseline.rps:.2f}x** |"
        )
    return rows


def slug(path: str) -> str:
    return path.strip("/").replace("/", "_") + ".body"


def bodies_of(api: str, headers: dict[str, str]) -> dict[str, bytes]:
    out = {}
    for path in reads().values():
        response = httpx.get(f"{api}{path}", headers=headers, timeout=30)
        response.raise_for_status()
        out[slug(path)] = response.content
    return out


def push_tree(api: str, files: dict[str, str], headers: dict[str, str]) -> None:
    body = {"version": "v1.0.0", "files": [{"path": p, "content": c} for p, c in files.items()]}
    response = httpx.post(
        f"{api}/modules/{MODULE}/versions", json=body, headers=headers, timeout=120
    )
    if response.status_code not in (200, 201):
        raise SystemExit(f"push failed: {response.status_code} {response.text}")
    for _ in range(2):  # the first answers are remembered
        for path in reads().values():
            httpx.get(f"{api}{path}", headers=headers, timeout=30).raise_for_status()


async def seed_versions(postgres_url: str, module: str, count: int) -> None:
    """``count`` versions of ``module`` (pushed once already), straight into the table."""
    import asyncpg

    conn = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        module_id = await conn.fetchval("SELECT id FROM modules WHERE name = $1", module)
        now = await conn.fetchval("SELECT now()")
        records = []
        for i in range(count):
            version = f"v2.{i // 1000}.{i % 1000}"
            records.append(
                (
                    module_id,
                    version,
                    Version.parse(version).sort_key,
                    False,
                    "sha256:" + "0" * 64,
                    0,
                    now,
                )
            )
        await conn.copy_records_to_table(
            "versions",
            records=records,
            columns=[
                "module_id",
                "version",
                "sort_key",
                "prerelease",
                "digest",
                "file_count",
                "created_at",
            ],
        )
    finally:
        await conn.close()


def list_latency(api: str, module: str, headers: dict[str, str], count: int) -> float:
    """Median ms of ``count`` first pages read from the database: a new query each time
    (an unknown parameter is not remembered)."""
    times = []
    with httpx.Client(base_url=api, headers=headers, timeout=30) as client:
        for i in range(count):
            started = time.perf_counter()
            client.get(
                f"/modules/{module}/versions", params={"limit": 50, "n": i}
            ).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per wrk measurement")
    parser.add_argument("--push-seconds", type=float, default=15)
    parser.add_argument("--versions", type=int, default=100_000, help="the big list")
    args = parser.parse_args()
    missing = [tool for tool in ("wrk", "nginx", "h2load") if not shutil.which(tool)]
    if missing:
        raise SystemExit(f"missing on PATH: {', '.join(missing)} (see the docstring)")

    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="spoke-suite-")))
        work.chmod(0o755)  # nginx's workers (not root) read the bodies under it
        files = googleapis_tree(work / "tree")
        print(
            f"# Spoke benchmark suite ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores)\n"
        )
        table = [
            "| stack | request | req/s | p50 / p99 ms | nginx, same bytes | ratio |",
            "|---|---|---|---|---|---|",
        ]
        # 1. The embedded default, auth none.
        embedded = {**os.environ, "SPOKE_DATA_DIR": str(work / "embedded")}
        with serve(embedded, auth=False, log_level="info") as (api, _, pid):
            push_tree(api, files, {})
            nginx = stack.enter_context(nginx_serving(bodies_of(api, {}), work / "nginx"))
            table += read_table("embedded, auth none", api, {}, nginx, args.seconds)
        # 2. The production stack, auth required.
        env = {**os.environ, **stack.enter_context(production_env(work))}
        memory, pushes = [], []
        for workers in (1, 2):
            with serve(env, workers=workers, log_level="info") as (api, token, pid):
                headers = {"Authorization": f"Bearer {token}"}
                if workers == 1:
                    push_tree(api, files, headers)
                else:
                    for _ in range(2):
                        for path in reads().values():
                            httpx.get(f"{api}{path}", headers=headers, timeout=30)
                idle = rss_mib(pid)
                label = f"production, API key, {workers} worker{'s' * (workers > 1)}"
                table += read_table(label, api, headers, nginx, args.seconds)
                memory.append(f"| {workers} | {idle:.0f} | {rss_mib(pid):.0f} |")
                if workers == 1:
                    uvicorn = wrk(f"{api}/modules/{MODULE}/versions/v1.0.0", args.seconds, headers)
                    granian = granian_figure(env, token, args.seconds, work)
                    ratio = _rps(granian) / uvicorn.rps
                    servers = (
                        "ASGI server, pinned read (production, API key, one process): uvicorn "
                        f"(httptools, uvloop) {uvicorn.rps:,.0f} req/s; {granian}"
                        + (f" ({ratio:.2f}x uvicorn)" if ratio else "")
                    )
                    pinned_url = f"{api}/modules/{MODULE}/versions/v1.0.0"
                    rate = fixed_rate(pinned_url, 1000, 10, headers, work)
                    lists = list_figures(api, headers, env, args.versions, args.seconds)
                figure = asyncio.run(push_figures(api, headers, args.push_seconds))
                pushes.append(f"{figure} ({workers} worker{'s' * (workers > 1)})")
        print("\n".join(table))
        print(f"\nPinned read at a fixed 1,000 req/s (production, API key, 1 worker): {rate}\n")
        print(servers + "\n")
        print("\n".join(pushes) + "\n")
        print("\n".join(lists) + "\n")
        print("| workers | RSS idle MiB | RSS after load MiB |\n|---|---|---|")
        print("\n".join(memory))
    return 0


def granian_figure(env: dict[str, str], token: str, seconds: int, work: Path) -> str:
    """The same app (bench/asgi_app.py) on granian, same backends, same key, same run."""
    if importlib.util.find_spec("granian") is None:
        return "granian not measured (`pip install granian` into the venv)"
    port = free_port()
    server_env = {
        **env,
        "PYTHONPATH": str(Path(__file__).parent),
        "SPOKE_LOG_LEVEL": "info",  # the access log on, as for uvicorn
        "SPOKE_AUTH_MODE": "required",
        "SPOKE_SPROCKET_EMBEDDED": "false",
        **{f"SPOKE_RATE_LIMIT_{c}": "1000000000/minute" for c in ("READ", "WRITE", "COMPILE")},
    }
    granian = Path(sys.executable).parent / "granian"
    command = [str(granian), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--factory", "asgi_app:make", "--loop", "uvloop", "--no-ws"]
    command += ["--log-level", "warning"]
    log = (work / "granian.log").open("wb")
    process = subprocess.Popen(command, env=server_env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/modules/{MODULE}/versions/v1.0.0"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url, headers=headers, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"granian did not serve: {(work / 'granian.log').read_text()}")
            time.sleep(0.1)
        httpx.get(url, headers=headers, timeout=2).raise_for_status()  # now remembered
        return f"granian {wrk(url, seconds, headers).rps:,.0f} req/s"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _rps(figure: str) -> float:
    found = re.search(r"granian ([\d,]+) req/s", figure)
    return float(found.group(1).replace(",", "")) if found else 0.0


async def push_figures(api: str, headers: dict[str, str], seconds: float) -> str:
    push_common(api, headers)
    first = int(time.time()) % 100_000 * 1000
    serials = [iter(range(first, first + 10**7)) for _ in range(8)]
    run: Run = await measure(api, headers, 8, seconds, serials, True)
    if run.failures:
        raise SystemExit(f"pushes failed: {run.failures[:3]}")
    done = sorted(run.latencies)
    p99 = done[min(len(done) - 1, int(0.99 * len(done)))]
    return (
        f"Pushes of 5-file versions (+1 dependency), 8 clients, production, API key: "
        f"**{len(done) / run.seconds:.1f}/s**, p50 {statistics.median(done) * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms"
    )


def list_figures(
    api: str, headers: dict[str, str], env: dict[str, str], big: int, seconds: int
) -> list[str]:
    rows = [
        "| versions | list, precomputed req/s | list from the database, p50 ms |",
        "|---|---|---|",
    ]
    small = 100
    for module, count in (("bench-list-small", small), ("bench-list-big", big)):
        body = {
            "version": "v1.0.0",
            "files": [{"path": "a.proto", "content": 'syntax = "proto3";\n'}],
        }
        httpx.post(
            f"{api}/modules/{module}/versions", json=body, headers=headers, timeout=60
        ).raise_for_status()
        asyncio.run(seed_versions(env["SPOKE_POSTGRES_URL"], module, count - 1))
        url = f"{api}/modules/{module}/versions"
        httpx.get(url, headers=headers, timeout=30).raise_for_status()
        cached = wrk(url, seconds, headers)
        rows.append(
            f"| {count:,} | {cached.rps:,.0f} | {list_latency(api, module, headers, 200):.2f} |"
        )
    return rows


if __name__ == "__main__":
    sys.exit(main())
