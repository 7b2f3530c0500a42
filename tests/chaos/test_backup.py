"""A backup taken under load restores into a fresh database with nothing missing: every
version acknowledged before the backup began is there, with its files' bytes in object
storage (``spoke restore`` itself checks row counts and every blob)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import pytest

from spoke.devstack.cluster import Cluster
from tests.chaos.conftest import finish, poll
from tests.chaos.integrity import missing_or_wrong
from tests.chaos.load import SteadyLoad
from tests.chaos.report import record

pytestmark = pytest.mark.chaos


def spoke(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spoke", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_backup_under_load_restores_whole(cluster: Cluster, load: SteadyLoad) -> None:
    poll(lambda: len(load.acknowledged) >= 30, within=60, what="30 versions pushed")
    before = dict(load.acknowledged)
    started = time.monotonic()
    made = spoke(cluster.env(), "backup", "--keep", "5")
    took = time.monotonic() - started
    assert made.returncode == 0, made.stderr
    name = made.stdout.split()[1]
    during = len(load.successes(started, ("push",)))
    assert during > 0, "no push landed while the backup ran: not a backup under load"
    finish(cluster, load)

    primary = cluster.stack.postgres
    assert primary is not None
    primary.query('CREATE DATABASE "restored"')
    target = {
        **cluster.env(),
        "SPOKE_POSTGRES_URL": primary.url("restored"),
        "SPOKE_POSTGRES_REPLICA_URLS": "",
    }
    restored = spoke(target, "restore", name)
    assert restored.returncode == 0, restored.stderr + restored.stdout
    problems = asyncio.run(missing_or_wrong(target, load.module, before))
    assert problems == [], problems[:20]
    record(
        "backup under load, restored into a fresh database",
        "every version acknowledged before the backup is restored, blobs present",
        f"backup took {took:.1f} s while {during} pushes landed; {len(before)} versions "
        "acknowledged before it all restored intact",
        load,
        started,
        None,
    )
