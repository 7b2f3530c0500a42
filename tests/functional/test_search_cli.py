"""``spoke search`` against ``spoke serve``, and ``spoke admin reindex`` for versions
stored before the search index existed."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.functional.live_server import cli, running_server
from tests.functional.test_search_api import GEO

pytestmark = pytest.mark.e2e


def test_search_and_reindex(tmp_path: Path) -> None:
    source = tmp_path / "src" / "geo" / "v1" / "geo.proto"
    source.parent.mkdir(parents=True)
    source.write_text(GEO, encoding="utf-8")
    with running_server(tmp_path) as server:
        pushed = cli(server, "push", str(tmp_path / "src"), "-m", "acme.geo", "-v", "v1.0.0")
        assert pushed.returncode == 0, pushed.stderr
        found = cli(server, "search", "LatLng", "--kind", "message", "--json")
        assert found.returncode == 0, found.stderr
        [hit] = json.loads(found.stdout)
        assert hit["full_name"] == "geo.v1.LatLng" and hit["line"] == 5
        table = cli(server, "search", "latitude")
        assert table.returncode == 0 and "latitude" in table.stdout and "field" in table.stdout
        bad = cli(server, "search", "x", "--kind", "widget")
        assert bad.returncode == 1 and "unknown kind" in " ".join(bad.stderr.split())

        # A version stored before the index existed has no entries: reindex adds them.
        with sqlite3.connect(tmp_path / "data" / "spoke.db") as db:
            db.execute("DELETE FROM search_entries")
        assert json.loads(cli(server, "search", "LatLng", "--json").stdout) == []
        env = {**os.environ, "SPOKE_DATA_DIR": str(tmp_path / "data")}
        reindex = subprocess.run(
            [sys.executable, "-m", "spoke", "admin", "reindex"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert reindex.returncode == 0, reindex.stderr
        assert "indexed 1 version(s)" in reindex.stdout
        again = json.loads(cli(server, "search", "LatLng", "--kind", "message", "--json").stdout)
        assert [h["full_name"] for h in again] == ["geo.v1.LatLng"]
