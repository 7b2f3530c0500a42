"""Push and read benchmarks for `spoke serve` on the embedded default, with baselines.

    .venv/bin/python bench/registry_bench.py [--runs 20] [--seconds 5] [--auth]

Rate limits stay on, sized above the load (a default budget would turn the run into 429s).
With ``--auth`` the server runs with ``SPOKE_AUTH_MODE=required`` and every request
carries an API key (made with ``spoke admin create-key``), as production runs.

- push: the googleapis-common-protos tree (63 files) pushed as new versions through the
  HTTP API, against the baseline of bare protoc compiling the same tree with the same flags.
- reads: one pinned file and one version's metadata under wrk (2 threads, 64 connections),
  against nginx serving the same file bytes from disk. Needs `wrk` and `nginx` on PATH
  (Debian packages `wrk`, `nginx-light`); the read part is skipped without them.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def googleapis_tree(dest: Path) -> dict[str, str]:
    spec = importlib.util.find_spec("google.api")
    assert spec is not None and spec.submodule_search_locations
    google = Path(next(iter(spec.submodule_search_locations))).parent
    files: dict[str, str] = {}
    for proto in sorted(google.rglob("*.proto")):
        relative = proto.relative_to(google.parent)
        if relative.parts[1] == "protobuf":
            continue
        (dest / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(proto, dest / relative)
        files[relative.as_posix()] = proto.read_text()
    return files


def admin_key(env: dict[str, str]) -> str:
    """An admin API key made in the benchmark's database, as an operator makes the first."""
    made = subprocess.run(
        [sys.executable, "-m", "spoke", "admin", "create-key", "bench", "-g", "admin"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip().splitlines()[-1]


def wait_ready(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"not ready: {url}")


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"median {statistics.median(ordered) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms"


def bench_protoc(tree: Path, runs: int) -> list[float]:
    protoc = Path(sys.executable).parent / "protoc"
    targets = [p.relative_to(tree).as_posix() for p in tree.rglob("*.proto")]
    out = tree.parent / "out.pb"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [
                str(protoc),
                "--proto_path=.",
                f"--descriptor_set_out={out}",
                "--include_imports",
                "--include_source_info",
                *targets,
            ],
            cwd=tree,
            check=True,
        )
        times.append(time.perf_counter() - started)
    return times


def bench_push(api: str, files: dict[str, str], runs: int, headers: dict[str, str]) -> list[float]:
    body = {"files": [{"path": p, "content": c} for p, c in files.items()]}
    times = []
    with httpx.Client(base_url=api, timeout=60, headers=headers) as client:
        for i in range(runs):
            payload = json.dumps({**body, "version": f"v1.0.{i}"}).encode()
            started = time.perf_counter()
            response = client.post(
                "/modules/googleapis/versions",
                content=payload,
                headers={"Content-Type": "application/json"},
            )
            times.append(time.perf_counter() - started)
            assert response.status_code == 201, response.text
    return times


def wrk(url: str, seconds: int, headers: dict[str, str] | None = None) -> float:
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    result = subprocess.run(
        ["wrk", "-t2", "-c64", f"-d{seconds}s", "--timeout", "10s", *extra, url],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    assert match, result.stdout
    # wrk counts a response it cannot parse as a socket error, not as a request.
    for failure in ("Non-2xx or 3xx responses", "Socket errors"):
        assert failure not in result.stdout, result.stdout
    return float(match.group(1))


def start_nginx(root: Path, work: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(
        f"""worker_processes 2; daemon off; pid {work}/nginx.pid; error_log {work}/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; client_body_temp_path {work}; proxy_temp_path {work};
  fastcgi_temp_path {work}; uwsgi_temp_path {work}; scgi_temp_path {work};
  server {{ listen 127.0.0.1:{port}; root {root}; }} }}
"""
    )
    process = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)])
    return process, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--auth", action="store_true", help="SPOKE_AUTH_MODE=required, API key")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="spoke-bench-") as tmp:
        work = Path(tmp)
        files = googleapis_tree(work / "tree")
        port, health = free_port(), free_port()
        env = {
            **os.environ,
            "SPOKE_PORT": str(port),
            "SPOKE_HEALTH_PORT": str(health),
            "SPOKE_DATA_DIR": str(work / "data"),
            "SPOKE_LOG_LEVEL": "warning",
            **{f"SPOKE_RATE_LIMIT_{cls}": "1000000000/minute" for cls in ("READ", "WRITE")},
            "SPOKE_AUTH_MODE": "required" if args.auth else "none",
        }
        headers = {"Authorization": f"Bearer {admin_key(env)}"} if args.auth else {}
        server = subprocess.Popen(
            [sys.executable, "-m", "spoke", "serve"],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        api = f"http://127.0.0.1:{port}"
        try:
            wait_ready(f"http://127.0.0.1:{health}/health/ready", time.monotonic() + 30)
            print(
                f"googleapis-common-protos: {len(files)} files, "
                f"{sum(len(c) for c in files.values()) // 1024} KiB; {args.runs} runs each"
            )
            print(f"  bare protoc (baseline)     {ms(bench_protoc(work / 'tree', args.runs))}")
            pushed = bench_push(api, files, args.runs, headers)
            print(f"  spoke push (HTTP, new ver) {ms(pushed)}")

            if not (shutil.which("wrk") and shutil.which("nginx")):
                print("reads: skipped (wrk and nginx are needed)")
                return
            path = "google/api/http.proto"
            nginx, nginx_url = start_nginx(work / "tree", work)
            try:
                wait_ready(f"{nginx_url}/{path}", time.monotonic() + 10)
                print(f"reads, wrk -t2 -c64 -d{args.seconds}s ({len(files[path])} byte file):")
                rate = wrk(f"{nginx_url}/{path}", args.seconds)
                print(f"  nginx static file (baseline) {rate:9.0f} req/s")
            finally:
                nginx.terminate()
                nginx.wait()
            pinned = f"{api}/modules/googleapis/versions/v1.0.0"
            rate = wrk(f"{pinned}/files/{path}", args.seconds, headers)
            print(f"  spoke file, pinned version   {rate:9.0f} req/s")
            print(f"  spoke version metadata       {wrk(pinned, args.seconds, headers):9.0f} req/s")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
