"""Settings, read from ``SPOKE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

MiB = 1024 * 1024


class Settings(BaseSettings):
    """Every knob of a registry instance. Unset backends fall back to the embedded default:
    SQLite and files under ``data_dir`` and an in-process cache."""

    model_config = SettingsConfigDict(env_prefix="SPOKE_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    health_port: int = Field(default=9090, ge=0, le=65535)
    data_dir: Path = Path("./spoke-data")
    log_level: str = "info"

    # Production backends: each one set replaces its embedded default.
    postgres_url: str | None = None
    postgres_replica_urls: str = ""
    postgres_max_conns: int = Field(default=20, ge=1)
    postgres_connect_timeout: float = Field(default=10.0, gt=0)
    postgres_query_timeout: float = Field(default=30.0, gt=0)

    s3_endpoint: str | None = None
    s3_bucket: str = "spoke"
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: str | None = Field(default=None, repr=False)
    s3_prefix: str = ""

    redis_url: str | None = Field(default=None, repr=False)
    redis_timeout: float = Field(default=0.25, gt=0)
    cache_prefix: str = "spoke"

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
