"""The production guards in the settings: unknown ``SPOKE_*`` variables, shared backends,
PostgreSQL TLS, secrets out of the repr, S3 encryption and the backup location."""

from __future__ import annotations

import re
from pathlib import Path

import pydantic
import pytest

from spoke.config import (
    OTHER_VARIABLES,
    SERVICE_LINK,
    Settings,
    SettingsError,
    unknown_variables,
)
from spoke.ratelimit.storage import open_storage, storage_uri
from spoke.storage.cache.redis import tls_options
from spoke.storage.metadata.dumps import without_password

ROOT = Path(__file__).resolve().parents[2]
# The misspelling the docs and the CLI tests show being refused, on purpose.
TYPOS = {"SPOKE_POSTGRES_ULR"}
PASSWORD = "pw-8c1f0e"


def test_a_misspelt_setting_is_named_with_the_closest_valid_one() -> None:
    problems = unknown_variables({"SPOKE_POSTGRES_ULR": "x", "SPOKE_PORT": "8080"})
    assert problems == [
        "SPOKE_POSTGRES_ULR is not a Spoke setting (did you mean SPOKE_POSTGRES_URL?)"
    ]


def test_names_compare_case_insensitively_as_they_are_read() -> None:
    assert unknown_variables({"spoke_port": "1", "Spoke_Data_Dir": "/x", "HOME": "/"}) == []
    assert unknown_variables({"spoke_data_dri": "1"}) == [
        "spoke_data_dri is not a Spoke setting (did you mean SPOKE_DATA_DIR?)"
    ]


def test_client_and_tool_variables_are_not_settings_but_allowed() -> None:
    assert unknown_variables(dict.fromkeys(OTHER_VARIABLES, "1")) == []


def test_nothing_close_gives_no_guess() -> None:
    assert unknown_variables({"SPOKE_XYZZY_FROBNICATE_QUUX": "1"}) == [
        "SPOKE_XYZZY_FROBNICATE_QUUX is not a Spoke setting"
    ]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SPOKE_SERVICE_HOST", "10.0.0.1"),
        ("SPOKE_PORT_8080_TCP_ADDR", "10.0.0.1"),
        ("SPOKE_POSTGRES_PORT", "tcp://10.0.0.2:5432"),
    ],
)
def test_kubernetes_service_links_are_explained(name: str, value: str) -> None:
    (problem,) = unknown_variables({name: value})
    assert "enableServiceLinks: false" in problem and value not in problem


def test_from_environment_refuses_unknown_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOKE_REDIS_URLS", f"redis://:{PASSWORD}@h")
    with pytest.raises(SettingsError, match="did you mean SPOKE_REDIS_URL") as caught:
        Settings.from_environment()
    assert PASSWORD not in str(caught.value)
    monkeypatch.delenv("SPOKE_REDIS_URLS")
    monkeypatch.setenv("SPOKE_MIGRATE_ON_START", "true")
    assert Settings.from_environment(migrate_on_start=False).migrate_on_start is False


def test_every_spoke_variable_the_project_names_is_a_setting_or_listed() -> None:
    """Manifests, docs, scripts and tests name SPOKE_* variables: each must be one a
    server accepts (a typo in a manifest would otherwise stop every pod)."""
    pattern = re.compile(r"\bSPOKE_[A-Z0-9_]+\b")
    named: dict[str, str] = {}
    folders = ["src", "tests", "bench", "scripts", "deploy", "docs", ".ci"]
    files = [ROOT / "README.md", ROOT / "Makefile"]
    files += [p for f in folders if (ROOT / f).is_dir() for p in (ROOT / f).rglob("*")]
    for path in files:
        if not path.is_file() or path.suffix in {".pyc", ".png", ".db"} or path == Path(__file__):
            continue
        for name in pattern.findall(path.read_text(errors="replace")):
            # A family (SPOKE_S3_*, SPOKE_RATE_LIMIT_{class}) ends with "_"; the
            # variables of Kubernetes service links are named only to warn of them.
            if not name.endswith("_") and not SERVICE_LINK.search(name) and name not in TYPOS:
                named.setdefault(name, str(path.relative_to(ROOT)))
    assert named, "no SPOKE_ variable found: the scan is broken"
    problems = unknown_variables(dict.fromkeys(named, ""))
    assert problems == [], [f"{p} (in {named[p.split()[0]]})" for p in problems]


def test_shared_backends_required_names_each_missing_one() -> None:
    settings = Settings(require_shared_backends=True, s3_endpoint="http://s3")
    with pytest.raises(SettingsError) as caught:
        settings.check_shared_backends()
    assert "SPOKE_POSTGRES_URL, SPOKE_REDIS_URL are unset" in str(caught.value)
    with pytest.raises(SettingsError, match="SPOKE_POSTGRES_URL is unset"):
        settings.check_shared_backends(cache=False)  # migrate, backup: no Redis needed
    Settings(s3_endpoint="http://s3").check_shared_backends()  # off: embedded is fine
    Settings(
        require_shared_backends=True, postgres_url="postgresql://h/db", s3_endpoint="http://s3"
    ).check_shared_backends(cache=False)


@pytest.mark.parametrize("mode", ["require", "verify-ca", "verify-full"])
def test_tls_required_accepts_encrypting_sslmodes(mode: str) -> None:
    url = f"postgresql://u:{PASSWORD}@h/db?sslmode={mode}"
    settings = Settings(postgres_require_tls=True, postgres_url=url, postgres_replica_urls=url)
    assert settings.postgres_url == url


@pytest.mark.parametrize(
    ("primary", "replicas", "where", "mode"),
    [
        ("postgresql://u:{pw}@h/db", "", "SPOKE_POSTGRES_URL", "(unset)"),
        ("postgresql://u:{pw}@h/db?sslmode=prefer", "", "SPOKE_POSTGRES_URL", "prefer"),
        (
            "postgresql://u:{pw}@h/db?sslmode=require",
            "postgresql://u:{pw}@r1/db?sslmode=verify-full,postgresql://u:{pw}@r2/db",
            "SPOKE_POSTGRES_REPLICA_URLS (entry 2)",
            "(unset)",
        ),
        (
            "postgresql://u:{pw}@h1:5432,h2:5433/db?target_session_attrs=read-write&sslmode=allow",
            "",
            "SPOKE_POSTGRES_URL",
            "allow",
        ),
    ],
)
def test_tls_required_refuses_clear_text_urls_without_printing_them(
    primary: str, replicas: str, where: str, mode: str
) -> None:
    with pytest.raises(pydantic.ValidationError) as caught:
        Settings(
            postgres_require_tls=True,
            postgres_url=primary.format(pw=PASSWORD),
            postgres_replica_urls=replicas.format(pw=PASSWORD),
        )
    message = str(caught.value)
    assert f"{where} has sslmode={mode}" in message and PASSWORD not in message


def test_secrets_stay_out_of_the_repr() -> None:
    settings = Settings(
        postgres_url=f"postgresql://u:{PASSWORD}@h/db",
        postgres_replica_urls=f"postgresql://u:{PASSWORD}@r/db",
        redis_url=f"redis://:{PASSWORD}@h",
        s3_access_key=PASSWORD,
        s3_secret_key=PASSWORD,
        jwt_secret=PASSWORD * 8,
    )
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings)


def test_sse_kms_key_needs_kms_and_unknown_algorithms_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError, match="needs SPOKE_S3_SSE=aws:kms"):
        Settings(s3_sse="AES256", s3_sse_kms_key_id="arn:aws:kms:key")
    with pytest.raises(pydantic.ValidationError):
        Settings(s3_sse="rot13")
    assert Settings(s3_sse="aws:kms", s3_sse_kms_key_id="k").s3_sse_kms_key_id == "k"


def test_backup_location_defaults_beside_the_data() -> None:
    assert Settings().backup_path == "backups"
    assert Settings(s3_prefix="/tenant-a/").backup_path == "tenant-a/backups"
    assert Settings(s3_prefix="tenant-a", backup_prefix="/spoke/").backup_path == "spoke"
    with pytest.raises(pydantic.ValidationError, match="needs SPOKE_S3_ENDPOINT"):
        Settings(backup_bucket="spoke-backups")
    with pytest.raises(pydantic.ValidationError):
        Settings(backup_keep=0)


def test_redis_tls_options() -> None:
    assert tls_options("redis+sentinel", "/ca.pem") == {}
    assert tls_options("rediss+sentinel", None) == {"ssl": True}
    assert tls_options("rediss+cluster", "/ca.pem") == {"ssl": True, "ssl_ca_certs": "/ca.pem"}


def test_rate_limit_storage_speaks_tls_through_sentinel() -> None:
    url = "rediss+sentinel://s1,s2:26380/spoke"
    assert storage_uri(url) == "async+redis+sentinel://s1:26379,s2:26380/spoke"
    storage = open_storage(url, timeout=0.1, key_prefix="p", ca_file="/ca.pem")
    sentinel = storage.bridge.sentinel  # type: ignore[attr-defined]
    assert sentinel.connection_kwargs["ssl"] is True
    assert sentinel.connection_kwargs["ssl_ca_certs"] == "/ca.pem"
    assert sentinel.sentinel_kwargs["ssl"] is True


@pytest.mark.parametrize(
    ("url", "bare", "password"),
    [
        (
            f"postgresql://spoke:{PASSWORD}@db1:5432,db2:5432/spoke?sslmode=require",
            "postgresql://spoke@db1:5432,db2:5432/spoke?sslmode=require",
            PASSWORD,
        ),
        ("postgresql://spoke:p%40ss%3Aw@db/spoke", "postgresql://spoke@db/spoke", "p@ss:w"),
        ("postgresql://spoke@db/spoke", "postgresql://spoke@db/spoke", None),
        ("postgresql://db/spoke", "postgresql://db/spoke", None),
    ],
)
def test_backup_tools_get_the_password_apart_from_their_command_line(
    url: str, bare: str, password: str | None
) -> None:
    assert without_password(url) == (bare, password)
