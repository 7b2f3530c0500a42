"""Breaking-change check speed: Spoke's in-process check against `buf breaking`, same run,
same inputs: googleapis-common-protos (63 files) against a mutated copy of itself.

    .venv/bin/python bench/breaking_bench.py [--runs 20]

Mutations: a field's type changed, a field deleted, a field renamed, an enum value deleted,
an RPC made server-streaming, a message deleted. Measured per run, medians reported:
  - buf: `buf breaking NEW --against OLD --error-format json` (the whole command: it parses
    and compiles both trees itself);
  - spoke check: `check_breaking` on two already-compiled schemas;
  - spoke on push: protoc compiling the new tree, then the check (the version compared
    with is compiled once and cached: what a policy check on push or the breaking endpoint
    pays);
  - spoke end to end: protoc compiling both trees to descriptor sets, then the check.
Both must report the same findings; the bench fails otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from registry_bench import googleapis_tree

from spoke.compile.protoc import Protoc, locate_protoc
from spoke.domain.breaking import BreakingConfig, check_breaking
from spoke.domain.schema import Schema

CONFIG = {"use": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]}


def mutate(root: Path) -> None:
    """Deterministic breaking edits across several files."""
    edits = [
        ("google/type/money.proto", r"int64 units = 2;", "int32 units = 2;"),
        ("google/type/date.proto", r"\n\s*int32 day = 3;", ""),
        ("google/rpc/status.proto", r"string message = 2;", "string msg = 2;"),
        ("google/type/dayofweek.proto", r"\n\s*SUNDAY = 7;", ""),
        (
            "google/longrunning/operations_proto.proto",
            r"returns \(Operation\)",
            "returns (stream Operation)",
        ),
        ("google/type/latlng.proto", r"double longitude = 2;", "float longitude = 2;"),
    ]
    for path, pattern, replacement in edits:
        file = root / path
        text = file.read_text()
        changed = re.sub(pattern, replacement, text, count=1)
        assert changed != text, f"mutation of {path} did not apply"
        file.write_text(changed)


def buf_config(root: Path) -> None:
    uses = ", ".join(CONFIG["use"])
    (root / "buf.yaml").write_text(f"version: v2\nbreaking:\n  use: [{uses}]\n")


def compile_tree(protoc: Protoc, root: Path) -> Schema:
    files = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.proto"))}
    result = asyncio.run(protoc.compile([files], sorted(files)))
    return Schema(result.descriptor_set, targets=files, sources=files)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    buf = shutil.which("buf", path=str(Path(sys.executable).parent)) or shutil.which("buf")
    if buf is None:
        sys.exit("buf is missing: pip install buf-bin")
    work = Path(tempfile.mkdtemp(prefix="spoke-breaking-bench-"))
    try:
        old, new = work / "old", work / "new"
        googleapis_tree(old)
        shutil.copytree(old, new)
        mutate(new)
        buf_config(old)
        buf_config(new)
        protoc = Protoc(locate_protoc())
        config = BreakingConfig.parse(CONFIG)

        timings: dict[str, list[float]] = {
            "buf": [],
            "spoke check": [],
            "spoke on push": [],
            "spoke end to end": [],
        }
        theirs: list[dict[str, object]] = []
        ours = []
        for _ in range(args.runs):
            started = time.perf_counter()
            result = subprocess.run(
                [buf, "breaking", "--against", str(old), "--error-format", "json"],
                cwd=new,
                capture_output=True,
                text=True,
                check=False,
            )
            timings["buf"].append(time.perf_counter() - started)
            theirs = [json.loads(line) for line in result.stdout.splitlines()]

            started = time.perf_counter()
            old_schema = compile_tree(protoc, old)
            new_started = time.perf_counter()
            new_schema = compile_tree(protoc, new)
            compiled = time.perf_counter()
            ours = check_breaking(new_schema, old_schema, config)
            done = time.perf_counter()
            timings["spoke check"].append(done - compiled)
            timings["spoke on push"].append(done - new_started)
            timings["spoke end to end"].append(done - started)
        assert [f.as_json() for f in ours] == theirs, "Spoke and buf disagree"
        print(
            f"googleapis-common-protos, 6 mutations, {len(theirs)} findings, "
            f"{args.runs} runs (median, min):"
        )
        for name, values in timings.items():
            print(
                f"  {name:<18} {statistics.median(values) * 1000:8.1f} ms"
                f"  {min(values) * 1000:8.1f} ms"
            )
        buf_median = statistics.median(timings["buf"])
        for name in ("spoke check", "spoke on push", "spoke end to end"):
            ratio = buf_median / statistics.median(timings[name])
            print(f"  buf / {name}: {ratio:.1f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
