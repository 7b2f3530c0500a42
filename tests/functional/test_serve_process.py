"""End to end: ``spoke serve`` as a real process, driven by the ``spoke`` CLI.

Pushes the googleapis-common-protos tree (a real public module), pulls it back and
compares every byte, then checks idempotent re-push, conflicts, compile errors and a
clean SIGTERM shutdown.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.functional.live_server import (
    Server,
    cli,
    free_port,
    googleapis_tree,
    running_server,
    tree_bytes,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(tmp_path) as server:
        yield server


def test_push_pull_googleapis_round_trip(server: Server, tmp_path: Path) -> None:
    source = googleapis_tree(tmp_path / "src")
    original = tree_bytes(source)
    assert len(original) >= 50

    pushed = cli(server, "push", str(source), "--module", "googleapis", "--version", "v1.0.0")
    assert pushed.returncode == 0, pushed.stderr
    assert "googleapis@v1.0.0 pushed" in pushed.stdout
    digest = next(line for line in pushed.stdout.splitlines() if line.startswith("digest"))

    out = tmp_path / "out"
    pulled = cli(server, "pull", "googleapis@v1.0.0", "-o", str(out))
    assert pulled.returncode == 0, pulled.stderr
    assert digest in pulled.stdout
    assert tree_bytes(out) == original

    # `latest` resolves to the same version.
    latest = cli(server, "pull", "googleapis", "-o", str(tmp_path / "latest"))
    assert latest.returncode == 0, latest.stderr
    assert tree_bytes(tmp_path / "latest") == original

    again = cli(server, "push", str(source), "-m", "googleapis", "-v", "v1.0.0")
    assert again.returncode == 0, again.stderr
    assert "already there" in again.stdout

    changed = source / "google/type/date.proto"
    changed.write_text(changed.read_text() + "\n// changed\n")
    conflict = cli(server, "push", str(source), "-m", "googleapis", "-v", "v1.0.0")
    assert conflict.returncode == 1
    assert "already exists with different content" in conflict.stderr
    assert "Traceback" not in conflict.stderr

    shown = cli(server, "show", "googleapis@v1.0.0", "--json")
    assert shown.returncode == 0
    assert '"google/type/date.proto"' in shown.stdout
    listed = cli(server, "versions", "list", "googleapis")
    assert "v1.0.0" in listed.stdout
    modules = cli(server, "modules", "list")
    assert "googleapis" in modules.stdout

    languages = cli(server, "languages")
    assert languages.returncode == 0 and "python" in languages.stdout
    generated = tmp_path / "gen"
    compiled = cli(server, "compile", "googleapis@v1.0.0", "--lang", "python", "-o", str(generated))
    assert compiled.returncode == 0, compiled.stderr
    assert (generated / "google/type/date_pb2.py").is_file()
    # Load the generated module by its path (site-packages has a google.type of its own).
    script = (
        "import importlib.util as u, sys; "
        "spec = u.spec_from_file_location('date_pb2', sys.argv[1]); "
        "d = u.module_from_spec(spec); spec.loader.exec_module(d); "
        "print(d.Date.FromString(d.Date(year=2026, day=26).SerializeToString()).year)"
    )
    date = subprocess.run(
        [sys.executable, "-c", script, str(generated / "google/type/date_pb2.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert date.stdout.strip() == "2026", date.stderr
    unknown = cli(server, "compile", "googleapis@v1.0.0", "--lang", "cobol")
    assert unknown.returncode == 1 and "cobol" in unknown.stderr


def test_cli_reports_compile_errors(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "bad"
    source.mkdir()
    (source / "bad.proto").write_text('syntax = "proto3";\nmessage Bad {\n  Nope n = 1;\n}\n')
    result = cli(server, "push", str(source), "-m", "acme.bad", "-v", "v1.0.0")
    assert result.returncode == 1
    assert "bad.proto:3:3:" in result.stderr
    assert "Traceback" not in result.stderr

    missing = cli(server, "pull", "acme.nothing@v1.0.0", "-o", str(tmp_path / "x"))
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr


def test_sigterm_stops_cleanly(server: Server) -> None:
    metrics = httpx.get(f"{server.ops}/metrics", timeout=5).text
    assert "spoke_build_info" in metrics
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=30) == 0, server.log.read_text()


def test_cli_without_a_registry(tmp_path: Path) -> None:
    dead = Server(subprocess.Popen(["true"]), f"http://127.0.0.1:{free_port()}", "", tmp_path)
    dead.process.wait()
    result = cli(dead, "modules", "list")
    assert result.returncode == 1
    assert "cannot reach the registry" in result.stderr
    assert "Traceback" not in result.stderr
    bad_dep = cli(dead, "push", str(tmp_path), "-m", "a", "-v", "v1.0.0")
    assert bad_dep.returncode == 1
    assert "no .proto files" in bad_dep.stderr
