"""Web UI server time: every page for googleapis-common-protos (63 files), in process
through the ASGI app (no network), on the embedded default backends.

    .venv/bin/python bench/ui_bench.py [--runs 20]

Pushes googleapis twice (v1.0.0, and v1.1.0 with a field deleted), then times each page
and reports the first request (cold: it compiles the version and renders what the docs
and diff pages then keep), and the median and the worst of the ``--runs`` requests after
it. Fails when a median is over 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from registry_bench import googleapis_tree

from spoke.api.app import create_app
from spoke.config import Settings

BUDGET_MS = 100.0
VERSION = "/ui/modules/googleapis/versions/v1.1.0"
PAGES = [
    "/ui/",
    "/ui/modules/googleapis",
    VERSION,
    f"{VERSION}/files/google/type/date.proto",
    f"{VERSION}/files/google/api/http.proto",
    f"{VERSION}/docs",
    f"{VERSION}/diff?against=v1.0.0",
    "/ui/search?q=LatLng",
    "/ui/search?q=date",
    "/search?q=LatLng",
]


async def main(runs: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        files = googleapis_tree(Path(tmp) / "tree")
        settings = Settings(data_dir=Path(tmp) / "data", sprocket_languages="none")
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                body = [{"path": p, "content": c} for p, c in files.items()]
                pushed = await client.post(
                    "/modules/googleapis/versions", json={"version": "v1.0.0", "files": body}
                )
                assert pushed.status_code == 201, pushed.text
                changed = files["google/type/date.proto"].replace("  int32 day = 3;\n", "")
                assert changed != files["google/type/date.proto"]
                body = [
                    {"path": p, "content": changed if p == "google/type/date.proto" else c}
                    for p, c in files.items()
                ]
                pushed = await client.post(
                    "/modules/googleapis/versions", json={"version": "v1.1.0", "files": body}
                )
                assert pushed.status_code == 201, pushed.text
                print(f"googleapis-common-protos: {len(files)} files; {runs} runs per page")
                print(f"{'page':60} {'first ms':>9} {'median ms':>10} {'max ms':>8}")
                worst = 0.0
                for path in PAGES:
                    start = time.perf_counter()
                    first = await client.get(path)
                    cold = (time.perf_counter() - start) * 1000
                    assert first.status_code == 200, (path, first.status_code)
                    times = []
                    for _ in range(runs):
                        start = time.perf_counter()
                        response = await client.get(path)
                        times.append((time.perf_counter() - start) * 1000)
                        assert response.status_code == 200
                    median = statistics.median(times)
                    worst = max(worst, median)
                    print(f"{path:60} {cold:9.1f} {median:10.1f} {max(times):8.1f}")
    if worst > BUDGET_MS:
        print(f"FAIL: a page's median is {worst:.1f} ms (budget {BUDGET_MS:.0f} ms)")
        return 1
    print(f"every page under {BUDGET_MS:.0f} ms (slowest median {worst:.1f} ms)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    sys.exit(asyncio.run(main(parser.parse_args().runs)))
