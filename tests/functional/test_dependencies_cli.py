"""``spoke deps`` and ``spoke push`` with a spoke.lock, against ``spoke serve``."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.functional.live_server import Server, cli, running_server
from tests.functional.test_dependencies_api import GRAPH, V1, tree

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with running_server(tmp_path) as server:
        yield server


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content, encoding="utf-8")
    return root


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, (result.stdout, result.stderr)
    return result.stdout


def failed(result: subprocess.CompletedProcess[str]) -> str:
    """The error a failed command printed, as one line (rich wraps at the terminal width)."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    return " ".join(result.stderr.split())


def push_below_app(server: Server, tmp_path: Path) -> None:
    for module, deps in GRAPH.items():
        if module == "acme.app":
            continue
        source = write_tree(tmp_path / module, tree(module, deps))
        args = [f"--dep={d}@{V1}" for d in deps]
        ok(cli(server, "push", str(source), "-m", module, "-v", V1, *args))


def test_lock_push_and_verify_round_trip(server: Server, tmp_path: Path) -> None:
    push_below_app(server, tmp_path)
    app = write_tree(tmp_path / "app", tree("acme.app", ["acme.top"]))

    printed = ok(cli(server, "deps", "lock", str(app), "--dep", "acme.top@latest"))
    assert "locked 4 version(s)" in printed
    lock_file = app / "spoke.lock"
    text = lock_file.read_text(encoding="utf-8")
    lock = json.loads(text)
    assert lock["version"] == 1
    assert lock["requires"] == [{"module": "acme.top", "version": V1}]
    assert [p["module"] for p in lock["dependencies"]] == [
        "acme.base",
        "acme.left",
        "acme.right",
        "acme.top",
    ]
    for pin in lock["dependencies"]:
        meta = httpx.get(f"{server.api}/modules/{pin['module']}/versions/{pin['version']}")
        assert pin["digest"] == meta.json()["digest"]
    # Locking again, with the pin spelled out or taken from the lock, gives the same bytes.
    ok(cli(server, "deps", "lock", str(app), "--dep", f"acme.top@{V1}"))
    assert lock_file.read_text(encoding="utf-8") == text
    ok(cli(server, "deps", "lock", str(app)))
    assert lock_file.read_text(encoding="utf-8") == text

    # push takes the pins from the lock and sends it; the registry checks it.
    ok(cli(server, "push", str(app), "-m", "acme.app", "-v", V1))
    stored = httpx.get(f"{server.api}/modules/acme.app/versions/{V1}").json()
    assert stored["dependencies"] == [{"module": "acme.top", "version": V1}]
    ok(cli(server, "push", str(app), "-m", "acme.app", "-v", V1, "--dep", f"acme.top@{V1}"))

    # A tampered lock is refused, with the difference named.
    tampered = json.loads(text)
    tampered["dependencies"][0]["digest"] = "sha256:" + "0" * 64
    lock_file.write_text(json.dumps(tampered), encoding="utf-8")
    refused = failed(cli(server, "push", str(app), "-m", "acme.app", "-v", "v1.0.1"))
    assert "spoke.lock does not match" in refused
    assert f"other digest: acme.base@v1.0.0 (locked sha256:{'0' * 64}" in refused
    missing = json.loads(text)
    del missing["dependencies"][2]
    lock_file.write_text(json.dumps(missing), encoding="utf-8")
    refused = failed(cli(server, "push", str(app), "-m", "acme.app", "-v", "v1.0.1"))
    assert "not locked: acme.right@v1.0.0" in refused
    assert_unpushed(server, "v1.0.1")

    # --dep that disagrees with the lock is caught before anything is sent.
    lock_file.write_text(text, encoding="utf-8")
    other = failed(
        cli(server, "push", str(app), "-m", "acme.app", "-v", "v1.0.1", "--dep", "acme.left@v1.0.0")
    )
    assert "run `spoke deps lock`" in other
    # A lock that is not one is reported as such.
    lock_file.write_text("{not json", encoding="utf-8")
    broken = failed(cli(server, "push", str(app), "-m", "acme.app", "-v", "v1.0.1"))
    assert "spoke.lock" in broken
    assert_unpushed(server, "v1.0.1")


def assert_unpushed(server: Server, version: str) -> None:
    assert httpx.get(f"{server.api}/modules/acme.app/versions/{version}").status_code == 404


def test_show_and_dependents(server: Server, tmp_path: Path) -> None:
    push_below_app(server, tmp_path)

    direct = ok(cli(server, "deps", "show", "acme.top"))
    assert f"acme.top@{V1} depends on 2 version(s) directly" in direct
    assert "acme.left" in direct and "acme.right" in direct and "acme.base" not in direct

    closure = ok(cli(server, "deps", "show", f"acme.top@{V1}", "--transitive"))
    assert "depends on 3 version(s) transitively" in closure
    assert "acme.base" in closure and "acme.left@v1.0.0" in closure  # required by
    as_json = json.loads(ok(cli(server, "deps", "show", "acme.top", "-t", "--json")))
    assert [(i["module"], i["depth"]) for i in as_json] == [
        ("acme.base", 2),
        ("acme.left", 1),
        ("acme.right", 1),
    ]
    assert "has no dependencies" in ok(cli(server, "deps", "show", "acme.base"))

    dependents = ok(cli(server, "deps", "dependents", f"acme.base@{V1}"))
    assert "2 version(s) depend on acme.base@v1.0.0" in dependents
    assert "acme.left" in dependents and "acme.right" in dependents
    listed = json.loads(ok(cli(server, "deps", "dependents", "acme.left", "--json")))
    assert [(d["module"], d["version"]) for d in listed] == [("acme.top", V1)]
    assert "no versions depend on acme.top@v1.0.0" in ok(
        cli(server, "deps", "dependents", "acme.top")
    )

    missing = failed(cli(server, "deps", "show", "acme.nothing@v1.0.0"))
    assert "does not exist" in missing
    bad = failed(cli(server, "deps", "dependents", "Bad@v1.0.0"))
    assert "invalid module name" in bad
    no_deps = failed(cli(server, "deps", "lock", str(tmp_path)))
    assert "--dep" in no_deps
