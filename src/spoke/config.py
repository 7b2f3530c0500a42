"""Settings, read from ``SPOKE_*`` environment variables."""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from limits import RateLimitItem

MiB = 1024 * 1024
MIN_JWT_SECRET_BYTES = 32


def parse_rate_limit(setting: str, text: str) -> RateLimitItem:
    """One limit in ``limits`` notation ("120/minute", "10 per second"), or a ``ValueError``
    naming ``setting``."""
    # Imported here: `limits` takes ~90 ms to import, which client commands need not pay.
    from limits import parse_many

    try:
        items = parse_many(text)
    except ValueError:
        items = []
    if len(items) != 1 or items[0].amount < 1:
        raise ValueError(
            f"{setting}={text!r} is not a rate limit: write one limit such as "
            f'"120/minute" or "10 per second" (amount >= 1)'
        )
    return items[0]


def _entries(text: str) -> list[str]:
    return [entry.strip() for entry in text.split(",") if entry.strip()]


class SettingsError(ValueError):
    """Settings a process must not start with (an unknown ``SPOKE_*`` variable, a missing
    shared backend). The message names variables, never their values."""


# `SPOKE_*` variables that are not server settings: the client commands' registry and
# token, and knobs of the project's own test tools.
OTHER_VARIABLES = frozenset(
    {
        "SPOKE_REGISTRY",
        "SPOKE_TOKEN",
        "SPOKE_CHAOS_REPORT",
        "SPOKE_LINT_EXAMPLES",
        "SPOKE_LINT_RANDOM",
    }
)
# What Kubernetes injects for a Service named spoke (or spoke-anything) when the pod spec
# leaves enableServiceLinks on: SPOKE_SERVICE_HOST, SPOKE_PORT_8080_TCP_ADDR, ...
SERVICE_LINK = re.compile(r"_SERVICE_(HOST|PORT)|_PORT_\d+_(TCP|UDP|SCTP)")
# sslmode values under which asyncpg never talks to PostgreSQL in clear text.
TLS_SSLMODES = ("require", "verify-ca", "verify-full")


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """One message per ``SPOKE_*`` variable in ``environ`` that is no setting (nor one of
    ``OTHER_VARIABLES``), naming the closest valid name: a misspelt setting would
    otherwise be silently ignored. Names compare case-insensitively, as they are read."""
    known = {f"SPOKE_{name.upper()}" for name in Settings.model_fields} | OTHER_VARIABLES
    problems = []
    for variable in sorted(environ):
        name = variable.upper()
        if not name.startswith("SPOKE_") or name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        if SERVICE_LINK.search(name) or environ[variable].startswith(("tcp://", "udp://")):
            hint = " (a Kubernetes service link: set enableServiceLinks: false in the pod spec)"
        problems.append(f"{variable} is not a Spoke setting{hint}")
    return problems


def sslmode(url: str) -> str | None:
    """The ``sslmode`` a PostgreSQL URL asks for, if any."""
    values = parse_qs(urlsplit(url).query).get("sslmode")
    return values[-1] if values else None


class Settings(BaseSettings):
    """Every knob of a registry instance. Unset backends fall back to the embedded default:
    SQLite and files under ``data_dir`` and an in-process cache."""

    # Errors never repeat a value: it may be a secret (a short SPOKE_JWT_SECRET, a URL
    # with a password).
    model_config = SettingsConfigDict(
        env_prefix="SPOKE_", extra="ignore", hide_input_in_errors=True
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    health_port: int = Field(default=9090, ge=0, le=65535)
    data_dir: Path = Path("./spoke-data")
    log_level: str = "info"

    # Shutdown on SIGTERM: readiness fails at once, the API keeps serving for
    # `shutdown_delay` seconds (long enough for a load balancer polling readiness to stop
    # sending traffic), then closes its listener and gives requests in flight
    # `shutdown_timeout` seconds to finish.
    shutdown_delay: float = Field(default=0.0, ge=0)
    shutdown_timeout: float = Field(default=30.0, gt=0)
    # API processes of `spoke serve` (one per core): they share one listening socket and
    # nothing else but the backends (Redis is required for more than one: caches,
    # invalidations and rate limits are shared through it). The ops listener stays in the
    # supervising process and reports every worker's metrics.
    workers: int = Field(default=1, ge=1, le=64)

    # Production guards. Unset backends fall back to the embedded ones, so on many
    # instances a forgotten SPOKE_POSTGRES_URL or SPOKE_S3_ENDPOINT gives each one its own
    # SQLite and folder (a split-brain registry): with this on, serve and sprocket refuse
    # to start unless PostgreSQL, S3 and Redis are all set (the deploy manifests set it).
    require_shared_backends: bool = False
    # Migrate the schema at start-up (`spoke serve`, `spoke sprocket`). Off (or
    # `--no-migrate`) when a Job runs `spoke migrate` once before a rollout: a process then
    # refuses to start on a schema older than its code.
    migrate_on_start: bool = True

    # Production backends: each one set replaces its embedded default. The URLs carry
    # passwords: never in a repr.
    postgres_url: str | None = Field(default=None, repr=False)
    postgres_replica_urls: str = Field(default="", repr=False)
    postgres_max_conns: int = Field(default=20, ge=1)
    postgres_connect_timeout: float = Field(default=10.0, gt=0)
    postgres_query_timeout: float = Field(default=30.0, gt=0)
    # A read on a replica: past it the replica counts as unhealthy and the primary answers.
    postgres_replica_timeout: float = Field(default=5.0, gt=0)
    # Refuse PostgreSQL URLs (primary and replicas) whose sslmode lets the connection run
    # in clear text: they must say sslmode=require, verify-ca or verify-full.
    postgres_require_tls: bool = False

    s3_endpoint: str | None = None
    s3_bucket: str = "spoke"
    s3_region: str = "us-east-1"
    s3_access_key: str | None = Field(default=None, repr=False)
    s3_secret_key: str | None = Field(default=None, repr=False)
    s3_prefix: str = ""
    # One S3 request, body included (a compiled archive can be large), and its connect.
    s3_timeout: float = Field(default=60.0, gt=0)
    s3_connect_timeout: float = Field(default=5.0, gt=0)
    # Server-side encryption asked for on every object written (files, archives, backups):
    # AES256 (SSE-S3, keys held by the object store) or aws:kms (SSE-KMS, with
    # s3_sse_kms_key_id, else the bucket's default KMS key). Unset: the bucket's default.
    s3_sse: Literal["AES256", "aws:kms"] | None = None
    s3_sse_kms_key_id: str | None = None

    # Backups (`spoke backup`): to this bucket (default: s3_bucket) under this prefix
    # (default: s3_prefix + "/backups", beside the data). A bucket of their own (with its
    # own retention and credentials policy) survives the loss of the data bucket.
    # backup_keep: how many backups `spoke backup` keeps when --keep is not given.
    backup_bucket: str | None = None
    backup_prefix: str | None = None
    backup_keep: int | None = Field(default=None, ge=1)

    redis_url: str | None = Field(default=None, repr=False)
    redis_timeout: float = Field(default=0.25, gt=0)
    # CA bundle (PEM) to verify Redis and Sentinel TLS certificates with, for rediss://,
    # rediss+sentinel:// and rediss+cluster:// URLs; unset: the system's CAs.
    redis_ca_file: Path | None = None
    cache_prefix: str = "spoke"

    # Access: "none" (a laptop), "required", or "read-public" (anonymous reads of public
    # modules). Keys are managed at /auth/keys; JWTs come with a shared secret (HS256) or
    # from an OIDC provider's JWKS.
    auth_mode: Literal["none", "required", "read-public"] = "none"
    jwt_secret: str | None = Field(default=None, repr=False)
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    jwt_roles_claim: str = "roles"
    # Browser origins allowed to call the API (comma-separated); none by default.
    cors_origins: str = ""
    # Proxies (addresses or CIDR networks, comma-separated) whose X-Forwarded-For is
    # believed: the client address of rate limits and the audit log comes from it. None by
    # default, not even 127.0.0.1: else any local process could choose its address.
    trusted_proxies: str = ""

    cache_ttl: float = Field(default=300.0, ge=0)
    cache_max_entries: int = Field(default=10_000, ge=0)

    max_file_size: int = Field(default=4 * MiB, gt=0)
    max_files: int = Field(default=10_000, gt=0)
    max_request_size: int = Field(default=64 * MiB, gt=0)

    response_cache_bytes: int = Field(default=64 * MiB, ge=0)
    scratch_dir: Path | None = None

    protoc: str | None = None
    protoc_timeout: float = Field(default=60.0, gt=0)
    protoc_memory_limit: int = Field(default=2 * 1024 * MiB, ge=0)

    # Code generation. Languages the worker compiles every new version to: "all" (every
    # available one), "none", or a comma-separated list such as "python,go,java".
    sprocket_languages: str = "all"
    sprocket_grpc: bool = False
    # Run the worker inside `serve`: by default on the embedded stack (SQLite) only.
    sprocket_embedded: bool | None = None
    sprocket_poll: float = Field(default=5.0, gt=0)
    compile_lease: float = Field(default=60.0, gt=0)
    compile_max_attempts: int = Field(default=3, ge=1)

    # Generated SDKs: the npm scope packages are published under (@spoke/acme.greet).
    sdk_npm_scope: str = Field(default="spoke", pattern=r"^[a-z0-9][a-z0-9._-]{0,49}$")
    # The Go module path prefix (registry.example.com/sdk/go): a first element with a dot
    # and no port, as Go requires; unset, the Go SDK is off.
    sdk_go_prefix: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+(/[a-z0-9][a-z0-9._~-]*)*$",
        max_length=200,
    )

    # Requests per client (the bearer credential, else the IP; the IP only in auth mode
    # "none") and route class, in `limits` notation; shared by every instance through Redis
    # when it is configured. Auth failures: per client address (see spoke.ratelimit.lockout).
    rate_limits_enabled: bool = True
    rate_limit_read: str = "1200/minute"
    rate_limit_write: str = "120/minute"
    rate_limit_auth_failures: str = "60/minute"
    rate_limit_compile: str = "60/minute"

    @field_validator("jwt_secret")
    @classmethod
    def _strong_jwt_secret(cls, value: str | None) -> str | None:
        # HS256 with a short secret is brute-forced offline from one token (RFC 7518 §3.2
        # wants at least the hash's 256 bits). Empty means unset.
        if value and len(value.encode()) < MIN_JWT_SECRET_BYTES:
            raise ValueError(
                f"SPOKE_JWT_SECRET is {len(value.encode())} bytes long: an HS256 secret needs"
                f" at least {MIN_JWT_SECRET_BYTES} (generate one with `openssl rand -hex 32`)"
            )
        return value or None

    @field_validator(
        "rate_limit_read", "rate_limit_write", "rate_limit_compile", "rate_limit_auth_failures"
    )
    @classmethod
    def _valid_rate_limit(cls, value: str, info: ValidationInfo) -> str:
        parse_rate_limit(f"SPOKE_{str(info.field_name).upper()}", value)
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_proxies(cls, value: str) -> str:
        for entry in _entries(value):
            try:
                ipaddress.ip_network(entry)  # strict: 10.0.0.1/8 is a typo, not 10.0.0.0/8
            except ValueError as exc:
                raise ValueError(
                    f"SPOKE_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
                    f" such as 10.0.0.0/8 ({exc})"
                ) from None
        return value

    @model_validator(mode="after")
    def _coherent(self) -> Settings:
        if self.s3_sse_kms_key_id and self.s3_sse != "aws:kms":
            raise ValueError("SPOKE_S3_SSE_KMS_KEY_ID is set: it needs SPOKE_S3_SSE=aws:kms")
        if self.backup_bucket and not self.s3_endpoint:
            raise ValueError("SPOKE_BACKUP_BUCKET is set: it needs SPOKE_S3_ENDPOINT")
        if self.workers > 1 and not self.redis_url:
            raise ValueError(
                f"SPOKE_WORKERS={self.workers} needs SPOKE_REDIS_URL: workers share their "
                "caches, invalidations and rate limits through Redis (run one worker "
                "without it)"
            )
        if self.postgres_require_tls:
            urls = [("SPOKE_POSTGRES_URL", self.postgres_url)] + [
                (f"SPOKE_POSTGRES_REPLICA_URLS (entry {index})", url)
                for index, url in enumerate(self.replica_urls, start=1)
            ]
            for name, url in urls:
                mode = sslmode(url) if url else None
                if url and mode not in TLS_SSLMODES:
                    # The mode only: the URL carries a password.
                    raise ValueError(
                        f"SPOKE_POSTGRES_REQUIRE_TLS is on but {name} has "
                        f"sslmode={mode or '(unset)'}: add sslmode=require, verify-ca or "
                        "verify-full to its query"
                    )
        return self

    @classmethod
    def from_environment(cls, **overrides: Any) -> Settings:
        """The settings of a server-side command (serve, sprocket, migrate, backup...):
        the ``SPOKE_*`` variables, refused with a ``SettingsError`` when one of them is no
        setting; ``overrides`` (command-line options) win over the environment."""
        problems = unknown_variables(os.environ)
        if problems:
            raise SettingsError("; ".join(problems))
        return cls(**overrides)

    def check_shared_backends(self, *, blobs: bool = True, cache: bool = True) -> None:
        """With ``require_shared_backends``, a ``SettingsError`` naming each shared backend
        left unset (PostgreSQL always; S3 and Redis when the command uses them)."""
        if not self.require_shared_backends:
            return
        wanted = [
            ("SPOKE_POSTGRES_URL", self.postgres_url, True),
            ("SPOKE_S3_ENDPOINT", self.s3_endpoint, blobs),
            ("SPOKE_REDIS_URL", self.redis_url, cache),
        ]
        missing = [name for name, value, needed in wanted if needed and not value]
        if missing:
            raise SettingsError(
                f"SPOKE_REQUIRE_SHARED_BACKENDS is on but {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} unset: this instance would use its "
                "own embedded store instead of the one its peers share"
            )

    @property
    def backup_path(self) -> str:
        """Where backups go inside ``backup_bucket`` (else ``s3_bucket``)."""
        if self.backup_prefix is not None:
            return self.backup_prefix.strip("/")
        return "/".join(part for part in (self.s3_prefix.strip("/"), "backups") if part)

    @property
    def trusted_proxy_list(self) -> list[str]:
        return _entries(self.trusted_proxies)

    @property
    def replica_urls(self) -> list[str]:
        return [url.strip() for url in self.postgres_replica_urls.split(",") if url.strip()]

    @property
    def runs_embedded_worker(self) -> bool:
        if self.sprocket_embedded is None:
            return self.postgres_url is None
        return self.sprocket_embedded

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "spoke.db"

    @property
    def blob_root(self) -> Path:
        return self.data_dir / "blobs"
