"""Throwaway servers for tests and local runs: PostgreSQL, Redis + Sentinel, S3.

``running_stack(tmp_path)`` starts a PostgreSQL 15 primary with a streaming replica,
a Redis 7 master with a replica and three Sentinels, and SeaweedFS ``weed mini`` as
S3, all on free ports of 127.0.0.1, and stops them on exit; ``Stack.env()`` gives
Spoke's ``SPOKE_*`` settings for them. ``python -m spoke.devstack up|down|status``
does the same from a shell. Nothing here runs at import time.
"""

from __future__ import annotations

from spoke.devstack.packages import MissingPackagesError, ensure_debian_packages
from spoke.devstack.postgres import PostgresServer
from spoke.devstack.process import DevstackError, SpawnedServer, StartupError
from spoke.devstack.redis import RedisSentinel, RedisServer
from spoke.devstack.seaweed import SeaweedPorts, SeaweedServer
from spoke.devstack.stack import Stack, running_stack, start_stack

__all__ = [
    "DevstackError",
    "MissingPackagesError",
    "PostgresServer",
    "RedisSentinel",
    "RedisServer",
    "SeaweedPorts",
    "SeaweedServer",
    "SpawnedServer",
    "Stack",
    "StartupError",
    "ensure_debian_packages",
    "running_stack",
    "start_stack",
]
