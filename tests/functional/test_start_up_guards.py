"""The production guards through the real ``spoke`` command: unknown settings, shared
backends required, migrations skipped at start-up, and the database password never
printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.functional.live_server import running_server

PASSWORD = "pw-5e0c9a77"  # looked for in what the process prints


def spoke(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``spoke ARGS`` with its data under ``tmp_path`` and ``env`` added."""
    return subprocess.run(
        [sys.executable, "-m", "spoke", *args],
        env={
            **os.environ,
            "SPOKE_DATA_DIR": str(tmp_path / "data"),
            "SPOKE_SPROCKET_LANGUAGES": "none",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def printed(done: subprocess.CompletedProcess[str]) -> str:
    """What the process wrote, its line wrapping undone."""
    return " ".join((done.stdout + done.stderr).split())


def test_an_unknown_setting_stops_every_server_command(tmp_path: Path) -> None:
    typo = {"SPOKE_POSTGRES_ULR": f"postgresql://spoke:{PASSWORD}@db/spoke"}
    for command in (["serve"], ["sprocket"], ["migrate"], ["backup"], ["gc"]):
        done = spoke(tmp_path, *command, **typo)
        assert done.returncode == 2, (command, done.stdout, done.stderr)
        assert "SPOKE_POSTGRES_ULR is not a Spoke setting" in printed(done)
        assert "did you mean SPOKE_POSTGRES_URL?" in printed(done)
        assert PASSWORD not in printed(done)
    assert not (tmp_path / "data").exists()  # refused before anything was created


def test_client_commands_ignore_server_settings(tmp_path: Path) -> None:
    # A client reads SPOKE_REGISTRY and SPOKE_TOKEN; a stray server variable is no error.
    done = spoke(
        tmp_path, "show", "acme.a", SPOKE_REGISTRY="http://127.0.0.1:9", SPOKE_POSTGRES_ULR="1"
    )
    assert done.returncode == 1 and "not a Spoke setting" not in printed(done)


def test_shared_backends_required(tmp_path: Path) -> None:
    required = {"SPOKE_REQUIRE_SHARED_BACKENDS": "true", "SPOKE_S3_ENDPOINT": "http://s3"}
    for command in ("serve", "sprocket"):
        done = spoke(tmp_path, command, **required)
        assert done.returncode == 2, done.stderr
        assert "SPOKE_POSTGRES_URL, SPOKE_REDIS_URL are unset" in printed(done)
    # The migration Job needs the database only.
    migrate = spoke(tmp_path, "migrate", **required)
    assert migrate.returncode == 2 and "SPOKE_POSTGRES_URL is unset" in printed(migrate)
    assert not (tmp_path / "data").exists()


def test_no_migrate_refuses_an_older_schema_until_spoke_migrate_ran(tmp_path: Path) -> None:
    refused = spoke(tmp_path, "serve", "--no-migrate", SPOKE_PORT="0", SPOKE_HEALTH_PORT="0")
    assert refused.returncode != 0
    assert "run `spoke migrate` first" in printed(refused)
    assert spoke(tmp_path, "migrate").returncode == 0
    # Now the setting (the manifests' way) starts it, on the schema the Job migrated.
    with running_server(tmp_path, {"SPOKE_MIGRATE_ON_START": "false"}) as server:
        assert httpx.get(f"{server.api}/modules", timeout=5).status_code == 200


def test_an_unreachable_database_never_prints_its_password(tmp_path: Path) -> None:
    done = spoke(
        tmp_path,
        "serve",
        SPOKE_PORT="0",
        SPOKE_HEALTH_PORT="0",
        # Port 1: nothing listens, the connection is refused at once.
        SPOKE_POSTGRES_URL=f"postgresql://spoke:{PASSWORD}@127.0.0.1:1/spoke",
        SPOKE_POSTGRES_CONNECT_TIMEOUT="2",
    )
    assert done.returncode != 0 and "127.0.0.1" in printed(done), printed(done)
    assert PASSWORD not in printed(done)
