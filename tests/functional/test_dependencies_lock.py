"""A push may carry its spoke.lock: the registry checks it against the closure it resolves."""

from __future__ import annotations

from typing import Any

import httpx

from tests.functional.support import assert_error, push
from tests.functional.test_dependencies_api import V1, pins, push_graph, tree

APP = tree("acme.app", ["acme.top"])


def lock_of(digests: dict[str, str], *modules: str) -> dict[str, Any]:
    return {
        "version": 1,
        "dependencies": [{"module": m, "version": V1, "digest": digests[m]} for m in modules],
    }


CLOSURE = ("acme.base", "acme.left", "acme.right", "acme.top")


async def push_app(client: httpx.AsyncClient, lock: Any, version: str = V1) -> httpx.Response:
    return await push(client, "acme.app", version, APP, dependencies=pins("acme.top"), lock=lock)


async def test_a_matching_lock_is_accepted(client: httpx.AsyncClient) -> None:
    digests = await push_graph(client, skip=("acme.app",))
    lock = lock_of(digests, *reversed(CLOSURE))  # order does not matter
    pushed = await push_app(client, lock)
    assert pushed.status_code == 201, pushed.text
    assert (await push_app(client, lock)).status_code == 200  # an identical retry
    # The lock is what the dependencies endpoint reports for the pushed version.
    listed = await client.get(
        "/modules/acme.app/versions/v1.0.0/dependencies", params={"transitive": "true"}
    )
    assert [{k: i[k] for k in ("module", "version", "digest")} for i in listed.json()["items"]] == (
        lock_of(digests, *CLOSURE)["dependencies"]
    )


async def test_a_lock_that_differs_is_refused_with_the_differences(
    client: httpx.AsyncClient,
) -> None:
    digests = await push_graph(client, skip=("acme.app",))
    assert (await push(client, "acme.other", V1, tree("acme.other", []))).status_code == 201
    other = (await client.get("/modules/acme.other/versions/v1.0.0")).json()["digest"]

    wrong = lock_of(digests, *CLOSURE)
    wrong["dependencies"][0]["digest"] = "sha256:" + "0" * 64
    error = assert_error(await push_app(client, wrong), 422, "lock_mismatch")
    assert error["details"] == {
        "missing": [],
        "extra": [],
        "digest_mismatch": [
            {
                "module": "acme.base",
                "version": V1,
                "locked": "sha256:" + "0" * 64,
                "resolved": digests["acme.base"],
            }
        ],
    }
    assert "acme.base@v1.0.0" in error["message"]

    missing = lock_of(digests, "acme.base", "acme.left", "acme.top")
    error = assert_error(await push_app(client, missing), 422, "lock_mismatch")
    assert error["details"]["missing"] == [
        {"module": "acme.right", "version": V1, "digest": digests["acme.right"]}
    ]
    assert error["details"]["extra"] == error["details"]["digest_mismatch"] == []

    extra = lock_of({**digests, "acme.other": other}, *CLOSURE, "acme.other")
    error = assert_error(await push_app(client, extra), 422, "lock_mismatch")
    assert error["details"]["extra"] == [{"module": "acme.other", "version": V1, "digest": other}]

    # Another version of a locked module: its pin is extra, the resolved one missing.
    moved = lock_of(digests, *CLOSURE)
    moved["dependencies"][1]["version"] = "v1.1.0"
    error = assert_error(await push_app(client, moved), 422, "lock_mismatch")
    assert [p["module"] for p in error["details"]["missing"]] == ["acme.left"]
    assert [p["version"] for p in error["details"]["extra"]] == ["v1.1.0"]

    # Nothing was stored by the refused pushes; nor is a retry of a stored version let
    # through with a wrong lock.
    assert_error(await client.get("/modules/acme.app/versions/v1.0.0"), 404)
    assert (await push_app(client, lock_of(digests, *CLOSURE))).status_code == 201
    assert_error(await push_app(client, missing), 422, "lock_mismatch")
    assert_error(await push_app(client, lock_of(digests), "v1.0.1"), 422, "lock_mismatch")


async def test_a_version_without_dependencies_takes_an_empty_lock(
    client: httpx.AsyncClient,
) -> None:
    empty = {"version": 1, "dependencies": []}
    assert (
        await push(client, "acme.base", V1, tree("acme.base", []), lock=empty)
    ).status_code == 201


async def test_malformed_locks(client: httpx.AsyncClient) -> None:
    digests = await push_graph(client, skip=("acme.app",))
    good = lock_of(digests, *CLOSURE)["dependencies"]
    cases: list[tuple[Any, int, str]] = [
        ({"version": 2, "dependencies": good}, 422, "invalid_request"),
        ({"dependencies": good}, 422, "invalid_request"),
        ({"version": 1, "dependencies": [{"module": "acme.top"}]}, 422, "invalid_request"),
        ({"version": 1, "dependencies": "acme.top"}, 422, "invalid_request"),
        ([good], 422, "invalid_request"),
        (
            {"version": 1, "dependencies": [{**good[0], "digest": "sha256:abc"}]},
            400,
            "invalid_lock",
        ),
        ({"version": 1, "dependencies": [*good, good[0]]}, 400, "invalid_lock"),
        (
            {"version": 1, "dependencies": [{**good[0], "module": "Not A Name"}]},
            400,
            "invalid_argument",
        ),
        ({"version": 1, "dependencies": [{**good[0], "version": "1.0"}]}, 400, "invalid_argument"),
    ]
    for lock, status, code in cases:
        assert_error(await push_app(client, lock), status, code)
    assert_error(await client.get("/modules/acme.app/versions/v1.0.0"), 404)
