"""Every route that compiles files a request sends (push, dry-run push, lint, breaking):
no path reaches protoc as anything but a file name, the same tree rules and limits apply
on each, and a failed compile answers a bounded list of diagnostics."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.functional.conftest import MakeClient
from tests.functional.support import assert_error, files, push

GOOD = 'syntax = "proto3";\npackage acme.x.v1;\nmessage A {}\n'
ROUTES = ["push", "dry_run", "lint", "breaking"]


async def send(
    client: httpx.AsyncClient, route: str, tree: list[dict[str, str]], module: str = "acme.x"
) -> httpx.Response:
    """``tree`` (a push body's file list) sent to ``route``."""
    if route in ("push", "dry_run"):
        params = {"dry_run": "true"} if route == "dry_run" else {}
        body = {"version": "v2.0.0", "files": tree}
        return await client.post(f"/modules/{module}/versions", json=body, params=params)
    if route == "lint":
        return await client.post("/lint", json={"files": tree})
    body = {"against": "v1.0.0", "files": tree}
    return await client.post(f"/modules/{module}/breaking", json=body)


@pytest.fixture
async def registry(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """A registry holding acme.x@v1.0.0, to check breaking changes against."""
    response = await push(client, "acme.x", "v1.0.0", {"acme/x/v1/a.proto": GOOD})
    assert response.status_code == 201, response.text
    return client


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder protoc must never write in."""
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


def written(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def hostile_paths(outside: Path) -> list[str]:
    return [
        f"--dependency_out={outside / 'created.proto'}",  # would create or truncate it
        f"--descriptor_set_out={outside / 'set.proto'}",
        "-I/:x.proto",  # "/" on the import path: diagnostics would show server files
        "--plugin=protoc-gen-x=/bin/sh.proto",
        "@/etc/passwd.proto",
        "a/-b.proto",
        "a/@b.proto",
        "a\u202e.proto",  # right-to-left override
        "a\u2066b.proto",  # left-to-right isolate
        "a\u200b.proto",  # zero-width space
        "\ufeffa.proto",  # byte order mark
    ]


@pytest.mark.parametrize("route", ROUTES)
async def test_option_like_and_invisible_paths_are_refused(
    registry: httpx.AsyncClient, route: str, outside: Path
) -> None:
    for path in hostile_paths(outside):
        tree = files(**{"acme/x/v1/a.proto": GOOD, path: GOOD.replace("A", "B")})
        error = assert_error(await send(registry, route, tree), 400, "invalid_argument")
        assert "invalid file path" in error["message"]
    assert written(outside) == [], "nothing is written outside protoc's scratch folder"
    assert (await registry.get("/modules/acme.x/versions/v2.0.0")).status_code == 404


@pytest.mark.parametrize("route", ROUTES)
async def test_a_file_that_is_the_folder_of_another_is_refused(
    registry: httpx.AsyncClient, route: str
) -> None:
    for tree in (
        {"a.proto": GOOD, "a.proto/b.proto": GOOD.replace("A", "B")},
        {"x/a.proto/b/c.proto": GOOD.replace("A", "B"), "x/a.proto": GOOD},
    ):
        error = assert_error(await send(registry, route, files(**tree)), 400, "invalid_argument")
        assert "both a file and the folder" in error["message"]


@pytest.mark.parametrize("route", ROUTES)
async def test_a_path_sent_twice_is_refused(registry: httpx.AsyncClient, route: str) -> None:
    tree = files(**{"a.proto": GOOD}) * 2
    error = assert_error(await send(registry, route, tree), 400, "invalid_argument")
    assert "twice" in error["message"]


@pytest.mark.parametrize("route", ["push", "lint"])
async def test_a_file_clashing_with_a_dependency_folder_is_refused(
    client: httpx.AsyncClient, route: str
) -> None:
    """The version's own ``a.proto`` and its dependency's ``a.proto/b.proto``: no one tree
    holds both; an answer, not a crash."""
    dep = await push(client, "acme.dep", "v1.0.0", {"a.proto/b.proto": GOOD})
    assert dep.status_code == 201, dep.text
    own = files(**{"a.proto": 'syntax = "proto3";\nmessage Own {}\n'})
    dependencies = [{"module": "acme.dep", "version": "v1.0.0"}]
    if route == "push":
        body = {"version": "v1.0.0", "files": own, "dependencies": dependencies}
        response = await client.post("/modules/acme.own/versions", json=body)
    else:
        response = await client.post("/lint", json={"files": own, "dependencies": dependencies})
    error = assert_error(response, 422, "dependency_error")
    assert "a.proto/b.proto" in error["message"]


@pytest.mark.parametrize("route", ["lint", "breaking"])
async def test_push_limits_apply_to_lint_and_breaking(make_client: MakeClient, route: str) -> None:
    client = await make_client(max_file_size=1024, max_files=3)
    assert (await push(client, "acme.x", "v1.0.0", {"a.proto": GOOD})).status_code == 201

    big = GOOD + "// padding\n" * 200
    error = assert_error(await send(client, route, files(**{"a.proto": big})), 413, "too_large")
    assert error["details"] == {"path": "a.proto", "size": len(big), "limit": 1024}

    many = files(**{f"f{i}.proto": GOOD.replace("A", f"A{i}") for i in range(4)})
    error = assert_error(await send(client, route, many), 413, "too_large")
    assert error["details"] == {"files": 4, "limit": 3}

    fits = files(**{f"f{i}.proto": GOOD.replace("A", f"A{i}") for i in range(3)})
    assert (await send(client, route, fits)).status_code == 200


@pytest.mark.parametrize("route", ROUTES)
async def test_diagnostics_are_capped(registry: httpx.AsyncClient, route: str) -> None:
    fields = "".join(f"  Missing{i} f{i} = {i};\n" for i in range(1, 301))
    broken = f'syntax = "proto3";\nmessage A {{\n{fields}}}\n'

    error = assert_error(
        await send(registry, route, files(**{"a.proto": broken})), 422, "compile_failed"
    )

    assert error["message"].startswith("300 error(s) compiling the files")
    assert len(error["details"]) == 100
    assert error["details"][0] == {
        "file": "a.proto",
        "line": 3,
        "column": 3,
        "message": '"Missing1" is not defined.',
    }


async def test_a_long_diagnostic_is_cut(client: httpx.AsyncClient) -> None:
    name = "T" + "x" * 20_000
    broken = f'syntax = "proto3";\nmessage A {{\n  {name} f = 1;\n}}\n'

    error = assert_error(
        await client.post("/lint", json={"files": files(**{"a.proto": broken})}),
        422,
        "compile_failed",
    )

    assert all(len(d["message"]) <= 1000 for d in error["details"])
    assert len(error["message"]) < 1200


@pytest.mark.parametrize("name", ["acme.", "acme..x", ".acme", "acme.-x", "acme._x"])
async def test_malformed_module_names_are_refused(client: httpx.AsyncClient, name: str) -> None:
    assert_error(await client.post("/modules", json={"name": name}), 400, "invalid_argument")
    assert_error(await push(client, name, "v1.0.0"), 400, "invalid_argument")
