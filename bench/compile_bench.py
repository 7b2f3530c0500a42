"""Code generation overhead: Spoke's compile endpoint against bare protoc, same run.

    .venv/bin/python bench/compile_bench.py [--runs 10] [--languages python,java,cpp]

For each language: bare `protoc` generating the googleapis-common-protos tree (63 files)
into a fresh directory, then `POST …/compile/{language}` on a `spoke serve` process for a
fresh version each run (so nothing is cached: it reads the blobs, runs protoc, zips and
stores the artifact), then the same POST again (answered from the stored result), and a
compile of identical files under yet another version (answered from the compile cache).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from registry_bench import free_port, googleapis_tree, wait_ready

BARE_ARGS = {
    "python": ["--python_out=OUT", "--pyi_out=OUT"],
    "java": ["--java_out=OUT"],
    "cpp": ["--cpp_out=OUT"],
    "descriptor_set": [
        "--descriptor_set_out=OUT/set.binpb",
        "--include_imports",
        "--include_source_info",
    ],
}


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def bare(tree: Path, language: str, runs: int) -> list[float]:
    protoc = Path(sys.executable).parent / "protoc"
    targets = [p.relative_to(tree).as_posix() for p in tree.rglob("*.proto")]
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            args = [a.replace("OUT", out) for a in BARE_ARGS[language]]
            started = time.perf_counter()
            subprocess.run([str(protoc), "--proto_path=.", *args, *targets], cwd=tree, check=True)
            times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--languages", default="python,java,cpp,descriptor_set")
    args = parser.parse_args()
    languages = args.languages.split(",")

    with tempfile.TemporaryDirectory(prefix="spoke-bench-") as tmp:
        work = Path(tmp)
        files = googleapis_tree(work / "tree")
        body = {"files": [{"path": p, "content": c} for p, c in files.items()]}
        port, health = free_port(), free_port()
        env = {
            **os.environ,
            "SPOKE_PORT": str(port),
            "SPOKE_HEALTH_PORT": str(health),
            "SPOKE_DATA_DIR": str(work / "data"),
            "SPOKE_LOG_LEVEL": "warning",
            "SPOKE_SPROCKET_LANGUAGES": "none",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "spoke", "serve"],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(f"http://127.0.0.1:{health}/health/ready", time.monotonic() + 30)
            print(f"googleapis-common-protos, {len(files)} files; median of {args.runs} runs")
            print(
                f"{'language':<15}{'bare protoc':>12}{'spoke':>10}{'ratio':>7}"
                f"{'stored':>9}{'cache':>9}"
            )
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                for n, language in enumerate(languages):
                    baseline = bare(work / "tree", language, args.runs)
                    fresh, stored, cached = [], [], []
                    for i in range(args.runs):
                        # The comment makes each version's content, so its cache key, new.
                        marked = {**body, "version": f"v{n}.{i}.0"}
                        marked["files"] = [
                            *body["files"],
                            {
                                "path": "zz.proto",
                                "content": f'syntax = "proto3";\n// {language} {i}\n',
                            },
                        ]
                        pushed = client.post(
                            "/modules/g/versions",
                            content=json.dumps(marked),
                            headers={"Content-Type": "application/json"},
                        )
                        assert pushed.status_code == 201, pushed.text
                        url = f"/modules/g/versions/v{n}.{i}.0/compile/{language}"
                        for sink in (fresh, stored):
                            started = time.perf_counter()
                            response = client.post(url)
                            sink.append(time.perf_counter() - started)
                            assert response.json()["status"] == "succeeded", response.text
                        twin = {**marked, "version": f"v{n}.{i}.1"}
                        client.post(
                            "/modules/g/versions",
                            content=json.dumps(twin),
                            headers={"Content-Type": "application/json"},
                        )
                        started = time.perf_counter()
                        client.post(f"/modules/g/versions/v{n}.{i}.1/compile/{language}")
                        cached.append(time.perf_counter() - started)
                    b, f = median_ms(baseline), median_ms(fresh)
                    print(
                        f"{language:<15}{b:>10.1f}ms{f:>8.1f}ms{f / b:>6.2f}x"
                        f"{median_ms(stored):>7.1f}ms{median_ms(cached):>7.1f}ms"
                    )
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
