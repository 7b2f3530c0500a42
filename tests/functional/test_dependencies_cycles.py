"""Pushes whose dependencies lead back to the pushed module are refused, naming the cycle."""

from __future__ import annotations

import httpx

from tests.functional.support import assert_error, push
from tests.functional.test_dependencies_api import pins, tree


async def test_a_cycle_through_another_module_is_refused(client: httpx.AsyncClient) -> None:
    assert (await push(client, "acme.a", "v1.0.0", tree("acme.a", []))).status_code == 201
    b = await push(
        client, "acme.b", "v1.0.0", tree("acme.b", ["acme.a"]), dependencies=pins("acme.a")
    )
    assert b.status_code == 201, b.text

    cycle = await push(
        client, "acme.a", "v2.0.0", tree("acme.a", ["acme.b"]), dependencies=pins("acme.b")
    )
    error = assert_error(cycle, 422, "dependency_error")
    assert error["details"] == {"cycle": ["acme.a@v2.0.0", "acme.b@v1.0.0", "acme.a@v1.0.0"]}
    assert "acme.a@v2.0.0 -> acme.b@v1.0.0 -> acme.a@v1.0.0" in error["message"]
    assert_error(await client.get("/modules/acme.a/versions/v2.0.0"), 404, "version_not_found")
    assert (await client.get("/modules/acme.a/versions/latest")).json()["version"] == "v1.0.0"


async def test_a_longer_cycle_is_named_whole(client: httpx.AsyncClient) -> None:
    assert (await push(client, "acme.a", "v1.0.0", tree("acme.a", []))).status_code == 201
    for module, dep in (("acme.b", "acme.a"), ("acme.c", "acme.b")):
        pushed = await push(client, module, "v1.0.0", tree(module, [dep]), dependencies=pins(dep))
        assert pushed.status_code == 201, pushed.text
    # acme.a also pins an unrelated module: the cycle is reported, not the bystander.
    assert (await push(client, "acme.z", "v1.0.0", tree("acme.z", []))).status_code == 201
    cycle = await push(
        client,
        "acme.a",
        "v2.0.0",
        tree("acme.a", ["acme.c", "acme.z"]),
        dependencies=pins("acme.z", "acme.c"),
    )
    error = assert_error(cycle, 422, "dependency_error")
    assert error["details"]["cycle"] == [
        "acme.a@v2.0.0",
        "acme.c@v1.0.0",
        "acme.b@v1.0.0",
        "acme.a@v1.0.0",
    ]


async def test_a_module_may_not_pin_itself(client: httpx.AsyncClient) -> None:
    assert (await push(client, "acme.a", "v1.0.0", tree("acme.a", []))).status_code == 201
    itself = await push(client, "acme.a", "v1.1.0", dependencies=pins("acme.a"))
    error = assert_error(itself, 422, "dependency_error")
    assert error["details"] == {"cycle": ["acme.a@v1.1.0", "acme.a@v1.0.0"]}


async def test_two_versions_of_one_module_are_refused(client: httpx.AsyncClient) -> None:
    for version in ("v1.0.0", "v2.0.0"):
        assert (await push(client, "acme.a", version, tree("acme.a", []))).status_code == 201
    for module, version in (("acme.b", "v1.0.0"), ("acme.c", "v2.0.0")):
        pushed = await push(
            client,
            module,
            "v1.0.0",
            tree(module, ["acme.a"]),
            dependencies=pins("acme.a", version=version),
        )
        assert pushed.status_code == 201, pushed.text
    clash = await push(
        client, "acme.d", "v1.0.0", tree("acme.d", []), dependencies=pins("acme.b", "acme.c")
    )
    error = assert_error(clash, 422, "dependency_error")
    assert error["details"]["module"] == "acme.a"
    assert error["details"]["versions"] == ["v1.0.0", "v2.0.0"]
    assert "acme.b@v1.0.0 -> acme.a@v1.0.0" in error["message"]
