"""PostgreSQL over TLS with ``SPOKE_POSTGRES_REQUIRE_TLS``: a server of its own with
``ssl=on`` and a throwaway CA; connections verified (``sslmode=verify-full``) and
encrypted; a URL that requires TLS of a server without it fails without printing the
password."""

from __future__ import annotations

import os
import shutil
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from spoke.config import Settings
from spoke.devstack.ports import free_port
from spoke.devstack.postgres import USER, PostgresServer, base_dir
from spoke.devstack.stack import Stack
from spoke.storage.factory import open_backends, open_database
from spoke.storage.metadata import MetadataUnavailable
from tests.certificates import make_certificates

PASSWORD = "pw-3b7d1c"  # looked for in errors


@pytest.fixture(scope="module")
def tls_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A PostgreSQL with ``ssl=on``: a verify-full URL of it (with a password, which
    trust authentication ignores) and its CA file."""
    workdir = tmp_path_factory.mktemp("pg-tls")
    root, external = base_dir(workdir)
    server = PostgresServer("tls", root / "tls", free_port())
    try:
        server.create("spoke")
        files = make_certificates(workdir)
        for name in ("cert", "key"):  # the server reads them as its own user
            target = server.data_dir / files[name].name
            target.write_bytes(files[name].read_bytes())
            target.chmod(0o600)
            if server.account is not None:
                os.chown(target, server.account.pw_uid, server.account.pw_gid)
        server.query(f"ALTER SYSTEM SET ssl_cert_file = '{files['cert'].name}'")
        server.query(f"ALTER SYSTEM SET ssl_key_file = '{files['key'].name}'")
        server.query("ALTER SYSTEM SET ssl = on")
        server.query("SELECT pg_reload_conf()")
        url = (
            f"postgresql://{USER}:{PASSWORD}@{server.host}:{server.port}/spoke"
            f"?sslmode=verify-full&sslrootcert={files['ca']}"
        )
        yield url, files["ca"]
    finally:
        server.stop()
        if external:
            shutil.rmtree(root, ignore_errors=True)


async def test_verified_tls_connections(tls_postgres: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = tls_postgres
    settings = Settings(data_dir=tmp_path, postgres_url=url, postgres_require_tls=True)
    backends = await open_backends(settings)  # migrates over TLS
    await backends.close()
    database = open_database(settings)
    try:
        async with database.connect() as conn:
            query = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
            assert (await conn.execute(sa.text(query))).scalar() is True
    finally:
        await database.close()


async def test_an_unverifiable_certificate_is_refused(
    tls_postgres: tuple[str, Path], tmp_path: Path
) -> None:
    url, _ = tls_postgres
    # verify-full without the CA: the system's CAs do not know the throwaway one.
    unverified = url.partition("&sslrootcert=")[0]
    database = open_database(Settings(data_dir=tmp_path, postgres_url=unverified))
    try:
        with pytest.raises(MetadataUnavailable) as caught:
            await database.ping()
    finally:
        await database.close()
    printed = "".join(traceback.format_exception(caught.value))
    assert "certificate" in printed.lower() and PASSWORD not in printed


async def test_tls_asked_of_a_server_without_it_fails_without_the_password(
    stack: Stack, tmp_path: Path
) -> None:
    assert stack.postgres is not None
    plain = stack.postgres
    url = f"postgresql://{USER}:{PASSWORD}@{plain.host}:{plain.port}/spoke?sslmode=require"
    settings = Settings(data_dir=tmp_path, postgres_url=url, postgres_require_tls=True)
    with pytest.raises(MetadataUnavailable) as caught:
        await open_backends(settings)
    printed = "".join(traceback.format_exception(caught.value))
    assert "SSL" in printed and PASSWORD not in printed
