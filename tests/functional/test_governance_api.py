"""Governance over HTTP: module policies, breaking checks of files or versions, the diff
of two versions, and pushes refused (or dry-run) by an enforced policy."""

from __future__ import annotations

import httpx

from tests.functional.support import assert_error, files, push

V1 = """syntax = "proto3";
package acme.pay.v1;

message Payment {
  string id = 1;
  int64 amount = 2;
}

enum State {
  STATE_UNSPECIFIED = 0;
  STATE_DONE = 1;
}
"""
# Field 2 changed type; enum value 1 deleted; a field added.
V2_BREAKING = """syntax = "proto3";
package acme.pay.v1;

message Payment {
  string id = 1;
  string amount = 2;
  string note = 3;
}

enum State {
  STATE_UNSPECIFIED = 0;
}
"""
V2_COMPATIBLE = V1.replace("  int64 amount = 2;\n", "  int64 amount = 2;\n  string note = 3;\n")
PATH = "acme/pay/v1/pay.proto"


async def _push(
    client: httpx.AsyncClient, version: str, text: str, **params: str
) -> httpx.Response:
    if not params:
        return await push(client, "acme.pay", version, tree={PATH: text})
    body = {"version": version, "files": files(**{PATH: text})}
    return await client.post("/modules/acme.pay/versions", json=body, params=params)


async def test_policy_defaults_then_replaced_and_validated(client: httpx.AsyncClient) -> None:
    assert (await _push(client, "v1.0.0", V1)).status_code == 201
    default = (await client.get("/modules/acme.pay/policy")).json()
    assert default["enforce_breaking"] is False and default["breaking"] == {}
    policy = {"breaking": {"use": ["WIRE_JSON"]}, "enforce_breaking": True}
    stored = await client.put("/modules/acme.pay/policy", json=policy)
    assert stored.status_code == 200, stored.text
    assert (await client.get("/modules/acme.pay/policy")).json()["breaking"] == {
        "use": ["WIRE_JSON"]
    }
    bad = await client.put("/modules/acme.pay/policy", json={"breaking": {"use": ["NOPE"]}})
    assert_error(bad, 400, "invalid_argument")
    assert "NOPE" in bad.json()["error"]["message"]
    unknown = await client.put("/modules/acme.pay/policy", json={"enforce": True})
    assert_error(unknown, 400, "invalid_argument")
    missing = await client.put("/modules/acme.nope/policy", json={})
    assert_error(missing, 404)


async def test_breaking_of_files_against_a_version(client: httpx.AsyncClient) -> None:
    assert (await _push(client, "v1.0.0", V1)).status_code == 201
    response = await client.post(
        "/modules/acme.pay/breaking",
        json={"against": "v1.0.0", "files": files(**{PATH: V2_BREAKING})},
    )
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["against"] == "v1.0.0"
    rules = sorted(f["type"] for f in found["findings"])
    assert rules == ["ENUM_VALUE_NO_DELETE", "FIELD_SAME_TYPE"]
    type_change = next(f for f in found["findings"] if f["type"] == "FIELD_SAME_TYPE")
    assert (type_change["path"], type_change["start_line"], type_change["start_column"]) == (
        PATH,
        6,
        3,
    )
    assert type_change["message"] == (
        'Field "2" with name "amount" on message "Payment" changed type from "int64" to "string".'
    )
    compatible = await client.post(
        "/modules/acme.pay/breaking",
        json={"against": "v1.0.0", "files": files(**{PATH: V2_COMPATIBLE})},
    )
    assert compatible.json() == {"against": "v1.0.0", "count": 0, "findings": []}
    # A config of the request's own replaces the module policy's: `except` drops a rule.
    narrowed = await client.post(
        "/modules/acme.pay/breaking",
        json={
            "against": "v1.0.0",
            "files": files(**{PATH: V2_BREAKING}),
            "config": {"use": ["FILE"], "except": ["FIELD_SAME_TYPE"]},
        },
    )
    assert [f["type"] for f in narrowed.json()["findings"]] == ["ENUM_VALUE_NO_DELETE"]


async def test_breaking_input_errors(client: httpx.AsyncClient) -> None:
    assert (await _push(client, "v1.0.0", V1)).status_code == 201
    neither = await client.post("/modules/acme.pay/breaking", json={"against": "v1.0.0"})
    assert_error(neither, 400, "invalid_argument")
    bad_config = await client.post(
        "/modules/acme.pay/breaking",
        json={"against": "v1.0.0", "files": files(**{PATH: V1}), "config": {"use": ["X"]}},
    )
    assert_error(bad_config, 400, "invalid_argument")
    traversal = await client.post(
        "/modules/acme.pay/breaking",
        json={"against": "v1.0.0", "files": files(**{"../etc/passwd.proto": V1})},
    )
    assert_error(traversal, 400)
    broken = await client.post(
        "/modules/acme.pay/breaking",
        json={"against": "v1.0.0", "files": files(**{PATH: "syntax = nope"})},
    )
    assert_error(broken, 422)
    unknown = await client.post(
        "/modules/acme.pay/breaking",
        json={"against": "v9.9.9", "files": files(**{PATH: V1})},
    )
    assert_error(unknown, 404, "version_not_found")


async def test_diff_of_two_versions(client: httpx.AsyncClient) -> None:
    assert (await _push(client, "v1.0.0", V1)).status_code == 201
    assert (await _push(client, "v2.0.0", V2_BREAKING)).status_code == 201
    response = await client.get(
        "/modules/acme.pay/versions/v2.0.0/diff", params={"against": "v1.0.0"}
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert [(c["kind"], c["name"]) for c in result["added"]] == [("field", "acme.pay.v1.Payment.3")]
    assert [(c["kind"], c["name"]) for c in result["removed"]] == [
        ("enum_value", "acme.pay.v1.State.1.STATE_DONE")
    ]
    changed = {c["name"]: c["changes"] for c in result["changed"]}
    assert changed["acme.pay.v1.Payment.2"]["type"] == {"from": "int64", "to": "string"}
    assert sorted(f["type"] for f in result["breaking"]) == [
        "ENUM_VALUE_NO_DELETE",
        "FIELD_SAME_TYPE",
    ]
    missing = await client.get("/modules/acme.pay/versions/v2.0.0/diff")
    assert_error(missing, 422, "invalid_request")


async def test_an_enforced_policy_refuses_a_breaking_push(client: httpx.AsyncClient) -> None:
    assert (await _push(client, "v1.0.0", V1)).status_code == 201
    policy = {"breaking": {"use": ["FILE"]}, "enforce_breaking": True}
    assert (await client.put("/modules/acme.pay/policy", json=policy)).status_code == 200
    refused = await _push(client, "v1.1.0", V2_BREAKING)
    error = assert_error(refused, 422, "policy_violation")
    assert error["details"]["against"] == "v1.0.0"
    assert sorted(f["type"] for f in error["details"]["breaking"]) == [
        "ENUM_VALUE_NO_DELETE",
        "FIELD_SAME_TYPE",
    ]
    assert (await client.get("/modules/acme.pay/versions/v1.1.0")).status_code == 404
    # Compatible changes pass; a major version may break (allow_breaking_on_major).
    assert (await _push(client, "v1.1.0", V2_COMPATIBLE)).status_code == 201
    assert (await _push(client, "v2.0.0", V2_BREAKING)).status_code == 201
    strict = {**policy, "allow_breaking_on_major": False}
    assert (await client.put("/modules/acme.pay/policy", json=strict)).status_code == 200
    assert_error(await _push(client, "v3.0.0", V1), 422, "policy_violation")


async def test_dry_run_reports_and_stores_nothing(client: httpx.AsyncClient) -> None:
    assert (await _push(client, "v1.0.0", V1)).status_code == 201
    dry = await _push(client, "v1.1.0", V2_BREAKING, dry_run="true")
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert body["dry_run"] is True and body["stored"] is False
    assert sorted(f["type"] for f in body["policy"]["breaking"]) == [
        "ENUM_VALUE_NO_DELETE",
        "FIELD_SAME_TYPE",
    ]
    assert (await client.get("/modules/acme.pay/versions/v1.1.0")).status_code == 404
    listed = (await client.get("/modules/acme.pay/versions")).json()["items"]
    assert [v["version"] for v in listed] == ["v1.0.0"]


async def test_a_reported_policy_answers_findings_without_refusing(
    client: httpx.AsyncClient,
) -> None:
    plain = await _push(client, "v1.0.0", V1)
    assert plain.status_code == 201 and "policy" not in plain.json()  # no policy yet
    policy = {"breaking": {"use": ["FILE"]}, "lint": {"use": ["MINIMAL", "COMMENTS"]}}
    assert (await client.put("/modules/acme.pay/policy", json=policy)).status_code == 200
    pushed = await _push(client, "v1.1.0", V2_BREAKING)
    assert pushed.status_code == 201, pushed.text
    found = pushed.json()["policy"]
    assert found["against"] == "v1.0.0"
    assert found["breaking_enforced"] is False and found["lint_enforced"] is False
    assert sorted(f["type"] for f in found["breaking"]) == [
        "ENUM_VALUE_NO_DELETE",
        "FIELD_SAME_TYPE",
    ]
    assert {f["type"] for f in found["lint"]} >= {"COMMENT_MESSAGE", "COMMENT_ENUM"}


async def test_lint_endpoint(client: httpx.AsyncClient) -> None:
    found = await client.post(
        "/lint", json={"files": files(**{PATH: V1}), "config": {"use": ["COMMENTS"]}}
    )
    assert found.status_code == 200, found.text
    assert {f["type"] for f in found.json()["findings"]} >= {"COMMENT_MESSAGE", "COMMENT_FIELD"}
    clean = await client.post(
        "/lint", json={"files": files(**{PATH: V1}), "config": {"use": ["MINIMAL"]}}
    )
    assert clean.json() == {"against": None, "count": 0, "findings": []}
    no_proto = await client.post("/lint", json={"files": files(**{"README.md": "# x"})})
    assert_error(no_proto, 400, "invalid_argument")
    bad_config = await client.post(
        "/lint", json={"files": files(**{PATH: V1}), "config": {"use": ["NOPE"]}}
    )
    assert_error(bad_config, 400)
    assert "NOPE" in bad_config.json()["error"]["message"]
    broken = await client.post("/lint", json={"files": files(**{PATH: "syntax = 3"})})
    assert_error(broken, 422, "compile_failed")
