"""pip itself installs generated code from a running registry into a fresh venv, pulls
the dependency module's wheel too, and the code round-trips a message that uses the
dependency's type and a well-known type.

pip reaches only the test server: no configuration file is read (``PIP_CONFIG_FILE`` is
the null device), the index is the registry, and the ``protobuf`` runtime comes from a
``--find-links`` folder holding this environment's own protobuf, repacked as a wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import jwt
import pytest

from tests.functional.installed_wheels import repack
from tests.functional.live_server import running_server
from tests.functional.test_sdk_python_index import COMMON, GREET

pytestmark = [pytest.mark.e2e, pytest.mark.clients]

SECRET = "pip-test-secret-" + "y" * 32
AUDIENCE = "spoke-pip"

ROUND_TRIP = """
from acme.greet.v1 import greet_pb2
from acme.common.v1 import money_pb2
from google.protobuf import timestamp_pb2

tip = greet_pb2.Tip(to="ada", amount=money_pb2.Money(currency="EUR", units=5))
tip.amount.at.CopyFrom(timestamp_pb2.Timestamp(seconds=1700000000, nanos=5))
back = greet_pb2.Tip.FromString(tip.SerializeToString())
assert back == tip and back.amount.at.seconds == 1700000000, back
print(back.amount.currency, back.amount.at.ToJsonString())
"""


def _admin() -> dict[str, str]:
    claims = {"sub": "admin", "roles": ["admin"], "aud": AUDIENCE, "exp": time.time() + 86_400}
    return {"Authorization": "Bearer " + jwt.encode(claims, SECRET)}


def _pip_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return env


def test_pip_installs_a_module_and_its_private_dependency(tmp_path: Path) -> None:
    environment = {
        "SPOKE_AUTH_MODE": "read-public",
        "SPOKE_JWT_SECRET": SECRET,
        "SPOKE_OIDC_AUDIENCE": AUDIENCE,
    }
    with running_server(tmp_path, environment) as server:
        admin = _admin()
        with httpx.Client(base_url=server.api, headers=admin, timeout=30) as api:
            # The dependency is private: pip must send the key (HTTP Basic) to get either.
            assert api.post("/modules", json={"name": "acme.common", "public": False}).is_success
            for module, tree, deps in [
                ("acme.common", COMMON, []),
                ("acme.greet", GREET, [{"module": "acme.common", "version": "v1.0.0"}]),
            ]:
                files = [{"path": p, "content": c} for p, c in tree.items()]
                body = {"version": "v1.0.0", "files": files, "dependencies": deps}
                assert api.post(f"/modules/{module}/versions", json=body).status_code == 201
            created = api.post("/auth/keys", json={"name": "pip", "grants": ["read"]})
            key = created.json()["token"]
        wheels = tmp_path / "wheels"
        wheels.mkdir()
        repack("protobuf", wheels)
        venv = tmp_path / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
        python = venv / "bin" / "python"
        index = server.api.replace("http://", f"http://pip:{key}@") + "/sdk/python/simple/"
        pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-cache-dir"]
        anonymous = subprocess.run(
            [
                *pip,
                "--index-url",
                f"{server.api}/sdk/python/simple/",
                "--find-links",
                wheels,
                "acme-greet==1.0.0",
            ],
            env=_pip_environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert anonymous.returncode != 0  # the private dependency hides the module
        installed = subprocess.run(
            [*pip, "--index-url", index, "--find-links", wheels, "acme-greet==1.0.0"],
            env=_pip_environment(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert installed.returncode == 0, installed.stdout + installed.stderr
        assert "acme-common-1.0.0" in installed.stdout and "acme-greet-1.0.0" in installed.stdout
        assert key not in installed.stdout + installed.stderr
    ran = subprocess.run(
        [python, "-c", ROUND_TRIP], capture_output=True, text=True, timeout=30, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "EUR 2023-11-14T22:13:20.000000005Z"
