"""Issue 18, class 7 over HTTP: a file buf's compiler accepts and protoc refuses is a 422
``compiler_difference`` (the project's error shape) from ``/lint`` and
``/modules/{m}/breaking``, its details naming the compiler that refused it."""

from __future__ import annotations

import httpx
import pytest

from tests.functional.support import assert_error, files, push
from tests.functional.test_governance_api import PATH, V1
from tests.integration.compiler_difference_cases import CASES, PROTOC_SAYS, path_of


def _is_difference(response: httpx.Response, case: str) -> None:
    error = assert_error(response, 422, "compiler_difference")
    line, column, message = PROTOC_SAYS[case]
    assert "protoc refuses what buf's compiler accepts" in error["message"]
    [detail] = error["details"]
    assert detail["compiler"] == "protoc" and detail["buf"] == "accepts"
    assert detail["difference"] == case
    assert (detail["file"], detail["line"], detail["column"], detail["message"]) == (
        path_of(case),
        line,
        column,
        message,
    )


@pytest.mark.parametrize("case", sorted(CASES))
async def test_lint_says_which_compiler_refused(client: httpx.AsyncClient, case: str) -> None:
    response = await client.post("/lint", json={"files": files(**{path_of(case): CASES[case]})})
    _is_difference(response, case)


async def test_breaking_says_which_compiler_refused(client: httpx.AsyncClient) -> None:
    assert (await push(client, "acme.pay", "v1.0.0", tree={PATH: V1})).status_code == 201
    case = "allow_alias_false"
    body = {"against": "v1.0.0", "files": files(**{path_of(case): CASES[case]})}
    _is_difference(await client.post("/modules/acme.pay/breaking", json=body), case)
    shared = await client.post(
        "/modules/acme.pay/breaking",
        json={"against": "v1.0.0", "files": files(**{PATH: "syntax = nope"})},
    )
    error = assert_error(shared, 422, "compile_failed")
    assert error["details"] and all("buf" not in d for d in error["details"])
