"""The go command builds a program against generated code from a running registry used
as its GOPROXY: the module and its dependency module, the well-known types from
google.golang.org/protobuf. (The go command sends credentials over HTTPS only, so this
plain-HTTP test reads public modules; HTTP Basic on /sdk/go/ is covered with httpx in
test_sdk_go_proxy.py.)

The public Go module proxy is out of reach here: the consumer replaces
google.golang.org/protobuf with Debian's copy (golang-google-protobuf-dev), and that
module's own requirements with empty stand-ins, so the go command reaches only the test
server (GOSUMDB=off, GOTOOLCHAIN=local).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import jwt
import pytest

from tests.functional.live_server import running_server
from tests.functional.test_sdk_python_index import COMMON, GREET

PROTOBUF = Path("/usr/share/gocode/src/google.golang.org/protobuf")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.clients,
    pytest.mark.skipif(
        shutil.which("go") is None
        or shutil.which("protoc-gen-go") is None
        or not (PROTOBUF / "go.mod").is_file(),
        reason="needs golang-go, protoc-gen-go and golang-google-protobuf-dev",
    ),
]

SECRET = "go-test-secret-" + "w" * 32
AUDIENCE = "spoke-go"
PREFIX = "spoke.test/sdk/go"

MAIN = """package main

import (
\t"fmt"

\t"google.golang.org/protobuf/proto"
\t"google.golang.org/protobuf/types/known/timestamppb"
\tcommonv1 "spoke.test/sdk/go/acme.common/acme/common/v1"
\tgreetv1 "spoke.test/sdk/go/acme.greet/acme/greet/v1"
)

func main() {
\ttip := &greetv1.Tip{To: "ada", Amount: &commonv1.Money{
\t\tCurrency: "EUR", Units: 5, At: &timestamppb.Timestamp{Seconds: 1700000000},
\t}}
\tdata, err := proto.Marshal(tip)
\tif err != nil {
\t\tpanic(err)
\t}
\tback := &greetv1.Tip{}
\tif err := proto.Unmarshal(data, back); err != nil || !proto.Equal(tip, back) {
\t\tpanic("round trip changed the message")
\t}
\tat := back.GetAmount().GetAt().AsTime().UTC()
\tfmt.Println(back.GetAmount().GetCurrency(), at.Format("2006-01-02T15:04:05Z"))
}
"""


def _stand_in(root: Path, module: str) -> Path:
    folder = root / module.replace("/", "_")
    folder.mkdir(parents=True)
    (folder / "go.mod").write_text(f"module {module}\n\ngo 1.19\n")
    return folder


def test_go_builds_against_the_registry_as_goproxy(tmp_path: Path) -> None:
    environment = {
        "SPOKE_AUTH_MODE": "read-public",
        "SPOKE_JWT_SECRET": SECRET,
        "SPOKE_OIDC_AUDIENCE": AUDIENCE,
        "SPOKE_SDK_GO_PREFIX": PREFIX,
    }
    with running_server(tmp_path, environment) as server:
        claims = {"sub": "admin", "roles": ["admin"], "aud": AUDIENCE, "exp": time.time() + 86_400}
        admin = {"Authorization": "Bearer " + jwt.encode(claims, SECRET)}
        with httpx.Client(base_url=server.api, headers=admin, timeout=30) as api:
            for module, tree, deps in [
                ("acme.common", COMMON, []),
                ("acme.greet", GREET, [{"module": "acme.common", "version": "v1.0.0"}]),
            ]:
                files = [{"path": p, "content": c} for p, c in tree.items()]
                body = {"version": "v1.0.0", "files": files, "dependencies": deps}
                assert api.post(f"/modules/{module}/versions", json=body).status_code == 201
        consumer = tmp_path / "consumer"
        consumer.mkdir()
        stand_ins = tmp_path / "stand-ins"
        replaces = [
            f"replace {module} => {_stand_in(stand_ins, module)}"
            for module in ("github.com/golang/protobuf", "github.com/google/go-cmp")
        ]
        (consumer / "go.mod").write_text(
            "\n".join(
                [
                    "module example.com/consumer",
                    "",
                    "go 1.19",
                    "",
                    f"require {PREFIX}/acme.greet v1.0.0",
                    "",
                    f"replace google.golang.org/protobuf => {PROTOBUF}",
                    *replaces,
                    "",
                ]
            )
        )
        (consumer / "main.go").write_text(MAIN)
        env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
        env |= {
            "GOPROXY": server.api + "/sdk/go",
            "GOSUMDB": "off",
            "GOFLAGS": "-mod=mod",
            "GOTOOLCHAIN": "local",
            "GOPATH": str(tmp_path / "gopath"),
            "GOCACHE": str(tmp_path / "gocache"),
            "GOENV": "off",
            "HOME": str(tmp_path),
        }
        built = subprocess.run(
            ["go", "build", "-o", "consumer", "."],
            cwd=consumer,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert built.returncode == 0, built.stdout + built.stderr
    ran = subprocess.run(
        [consumer / "consumer"], capture_output=True, text=True, timeout=30, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "EUR 2023-11-14T22:13:20Z"
