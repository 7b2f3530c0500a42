"""npm itself installs generated code from a running registry into a temp project: the
``@spoke`` scope from Spoke (a private dependency module with the key from ``.npmrc``),
``@bufbuild/protobuf`` from the public registry through npm's own configuration; node
then round-trips a message using the dependency's type and a well-known type.

The only network this test reaches is the public npm registry, for ``@bufbuild/protobuf``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import jwt
import pytest

from tests.functional.live_server import running_server
from tests.functional.test_sdk_python_index import COMMON, GREET

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.clients,
    pytest.mark.skipif(
        shutil.which("npm") is None or shutil.which("protoc-gen-es") is None,
        reason="npm or protoc-gen-es is not installed",
    ),
]

SECRET = "npm-test-secret-" + "z" * 32
AUDIENCE = "spoke-npm"

ROUND_TRIP = """
import { create, toBinary, fromBinary, equals } from "@bufbuild/protobuf";
import { timestampFromMs, timestampDate } from "@bufbuild/protobuf/wkt";
import { TipSchema } from "@spoke/acme.greet/acme/greet/v1/greet_pb.js";
import { MoneySchema } from "@spoke/acme.common/acme/common/v1/money_pb.js";

const tip = create(TipSchema, {
  to: "ada",
  amount: create(MoneySchema, { currency: "EUR", units: 5n, at: timestampFromMs(1700000000000) }),
});
const back = fromBinary(TipSchema, toBinary(TipSchema, tip));
if (!equals(TipSchema, back, tip)) throw new Error("round trip changed the message");
console.log(back.amount.currency, timestampDate(back.amount.at).toISOString());
"""


def test_npm_installs_a_module_and_its_private_dependency(tmp_path: Path) -> None:
    environment = {
        "SPOKE_AUTH_MODE": "read-public",
        "SPOKE_JWT_SECRET": SECRET,
        "SPOKE_OIDC_AUDIENCE": AUDIENCE,
    }
    with running_server(tmp_path, environment) as server:
        claims = {"sub": "admin", "roles": ["admin"], "aud": AUDIENCE, "exp": time.time() + 86_400}
        admin = {"Authorization": "Bearer " + jwt.encode(claims, SECRET)}
        with httpx.Client(base_url=server.api, headers=admin, timeout=30) as api:
            assert api.post("/modules", json={"name": "acme.common", "public": False}).is_success
            for module, tree, deps in [
                ("acme.common", COMMON, []),
                ("acme.greet", GREET, [{"module": "acme.common", "version": "v1.0.0"}]),
            ]:
                files = [{"path": p, "content": c} for p, c in tree.items()]
                body = {"version": "v1.0.0", "files": files, "dependencies": deps}
                assert api.post(f"/modules/{module}/versions", json=body).status_code == 201
            key = api.post("/auth/keys", json={"name": "npm", "grants": ["read"]}).json()["token"]
        project = tmp_path / "consumer"
        project.mkdir()
        (project / "package.json").write_text(json.dumps({"name": "consumer", "private": True}))
        registry = f"{server.api}/sdk/npm/"
        (project / ".npmrc").write_text(
            f"@spoke:registry={registry}\n//{registry.removeprefix('http://')}:_authToken={key}\n"
        )
        installed = subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--cache",
                str(tmp_path / "npm-cache"),
                "@spoke/acme.greet@1.0.0",
            ],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert installed.returncode == 0, installed.stdout + installed.stderr
        lock = json.loads((project / "package-lock.json").read_text())["packages"]
        common = lock["node_modules/@spoke/acme.common"]
        assert common["version"] == "1.0.0" and common["integrity"].startswith("sha512-")
        assert lock["node_modules/@spoke/acme.greet"]["version"] == "1.0.0"
    (project / "round_trip.mjs").write_text(ROUND_TRIP)
    ran = subprocess.run(
        ["node", "round_trip.mjs"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "EUR 2023-11-14T22:13:20.000Z"
