"""The ``spoke`` command against a hostile (or compromised) registry, played by a local
HTTP server: the token goes to the registry's origin only, archives cannot write outside
(or dotfiles inside) the output folder, nothing the server says reaches the terminal as an
escape sequence or rich markup, and ``spoke push`` publishes nothing from outside DIR."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from spoke.cli.client import RegistryClient, origin
from spoke.domain.text import first_unsafe
from tests.local_http import QuietHandler, serving

TOKEN = "spoke_secret-token-that-must-stay-home"
ESC = "\x1b"
HOSTILE = f"{ESC}]0;pwned{ESC}\\{ESC}[2J\x9b31m\u202e [bold red]FAKE[/] [link=https://e.test]x"
PY = b"# generated\n"


@dataclass
class Seen:
    method: str
    path: str
    authorization: str | None


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)


Routes = dict[str, Reply | Callable[[], Reply]]


class Party:
    """A local HTTP server answering ``METHOD /path`` from ``routes`` (404 otherwise) and
    recording every request it gets, with its Authorization header."""

    def __init__(self) -> None:
        self.routes: Routes = {}
        self.seen: list[Seen] = []
        self.url = ""

    def handler(self) -> type[QuietHandler]:
        party = self

        class Handler(QuietHandler):
            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                party.seen.append(Seen(self.command, self.path, self.headers["Authorization"]))
                route = party.routes.get(f"{self.command} {urlsplit(self.path).path}")
                reply = (route() if callable(route) else route) or Reply(404, {"detail": "no"})
                body = reply.body
                if isinstance(body, dict | list):
                    body = json.dumps(body).encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = answer

        return Handler


@pytest.fixture
def parties() -> Iterator[tuple[Party, Party]]:
    """The registry the CLI is configured with, and another origin (another port)."""
    registry, elsewhere = Party(), Party()
    with ExitStack() as stack:
        registry.url = stack.enter_context(serving(registry.handler()))
        elsewhere.url = stack.enter_context(serving(elsewhere.handler()))
        yield registry, elsewhere


def spoke(registry: Party, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # Wide: rich would fold long table cells at 80 columns.
    env = {**os.environ, "SPOKE_REGISTRY": registry.url, "SPOKE_TOKEN": TOKEN, "COLUMNS": "1000"}
    return subprocess.run(
        [sys.executable, "-m", "spoke", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def failed(result: subprocess.CompletedProcess[str]) -> str:
    """The one-line error of a command that failed cleanly (exit 1, no traceback)."""
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return " ".join(result.stderr.split())


def a_zip(*entries: tuple[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        for name, data in entries:
            archive.writestr(zipfile.ZipInfo(name), data)
    return raw.getvalue()


def a_tar_gz(*entries: tuple[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


def job(artifact_url: str | None, size: int = 0, status: str = "succeeded") -> dict[str, Any]:
    artifact = None if artifact_url is None else {"download_url": artifact_url, "size": size}
    return {
        "module": "acme.a",
        "version": "v1.0.0",
        "language": "python",
        "grpc": False,
        "status": status,
        "artifact": artifact,
    }


COMPILE = "POST /modules/acme.a/versions/latest/compile/python"


def test_compile_sends_the_token_only_to_the_registry(
    parties: tuple[Party, Party], tmp_path: Path
) -> None:
    registry, elsewhere = parties
    code = a_zip(("acme/a/v1/a_pb2.py", PY))
    # Still compiling: poll Location, on another origin; the artifact is on another one too.
    registry.routes[COMPILE] = Reply(
        202,
        job(f"{elsewhere.url}/artifacts/a.zip", len(code), status="running"),
        {"Location": f"{elsewhere.url}/poll", "Retry-After": "0"},
    )
    elsewhere.routes["GET /poll"] = Reply(200, job(None))
    elsewhere.routes["GET /artifacts/a.zip"] = Reply(200, code)

    result = spoke(registry, "compile", "acme.a", "--lang", "python", "-o", "out", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "acme/a/v1/a_pb2.py").read_bytes() == PY
    assert [s.authorization for s in registry.seen] == [f"Bearer {TOKEN}"]
    assert [(s.path, s.authorization) for s in elsewhere.seen] == [
        ("/poll", None),
        ("/artifacts/a.zip", None),
    ]


def test_redirects_and_absolute_urls_never_carry_the_token(
    parties: tuple[Party, Party],
) -> None:
    registry, elsewhere = parties
    registry.routes["GET /moved"] = Reply(302, b"", {"Location": f"{elsewhere.url}/landing"})
    registry.routes["GET /here"] = Reply(302, b"", {"Location": "/landing"})
    registry.routes["GET /landing"] = elsewhere.routes["GET /landing"] = Reply(200, {})
    with RegistryClient(registry.url, TOKEN) as client:
        client.request("GET", "/moved", follow_redirects=True)
        client.request("GET", "/here", follow_redirects=True)
        client.request("GET", f"{elsewhere.url}/landing")
        client.request("GET", "/landing", headers={"Authorization": "Bearer set-by-a-caller"})
        moved = client.request("GET", "/moved")  # not followed unless asked
        assert moved.status_code == 302
    assert [s.authorization for s in elsewhere.seen] == [None, None]
    assert [(s.path, s.authorization) for s in registry.seen] == [
        ("/moved", f"Bearer {TOKEN}"),
        ("/here", f"Bearer {TOKEN}"),
        ("/landing", f"Bearer {TOKEN}"),
        ("/landing", f"Bearer {TOKEN}"),  # the configured token, not the caller's
        ("/moved", f"Bearer {TOKEN}"),
    ]


def test_origins_compare_scheme_host_and_port() -> None:
    assert origin(httpx.URL("http://reg")) == origin(httpx.URL("http://REG:80/x"))
    assert origin(httpx.URL("https://reg")) == origin(httpx.URL("https://reg:443"))
    assert origin(httpx.URL("http://reg")) != origin(httpx.URL("https://reg"))
    assert origin(httpx.URL("http://reg:8080")) != origin(httpx.URL("http://reg:8081"))


@pytest.mark.parametrize(
    "entry",
    [".git/config", ".", "../escaped_pb2.py", "/tmp/abs_pb2.py", "a/.bashrc", "install.sh"],
)
def test_compile_refuses_a_hostile_archive(
    parties: tuple[Party, Party], tmp_path: Path, entry: str
) -> None:
    registry, _ = parties
    code = a_zip(("acme/a_pb2.py", PY), (entry, b"[core]\n\tfsmonitor = touch pwned\n"))
    registry.routes[COMPILE] = Reply(200, job("/artifacts/a.zip", len(code)))
    registry.routes["GET /artifacts/a.zip"] = Reply(200, code)
    work = tmp_path / "work"
    work.mkdir()
    error = failed(spoke(registry, "compile", "acme.a", "-l", "python", "-o", "out", cwd=work))
    assert "unsafe entry" in error
    assert list(tmp_path.rglob("*")) == [work]  # not even -o was made


def test_pull_and_compile_report_a_file_and_folder_clash(
    parties: tuple[Party, Party], tmp_path: Path
) -> None:
    registry, _ = parties
    files = [("a.proto", b'syntax = "proto3";\n'), ("a.proto/b.proto", b'syntax = "proto3";\n')]
    registry.routes["GET /modules/acme.a/versions/latest"] = Reply(
        200,
        {
            "module": "acme.a",
            "version": "v1.0.0",
            "digest": "sha256:00",
            "files": [{"path": p, "sha256": hashlib.sha256(d).hexdigest()} for p, d in files],
        },
    )
    registry.routes["GET /modules/acme.a/versions/v1.0.0/archive"] = Reply(200, a_tar_gz(*files))
    pulled = failed(spoke(registry, "pull", "acme.a", "-o", "out", cwd=tmp_path))
    assert "'a.proto' and 'a.proto/b.proto'" in pulled and "one is a file" in pulled

    code = a_zip(("a_pb2.py", PY), ("a_pb2.py/b_pb2.py", PY))
    registry.routes[COMPILE] = Reply(200, job("/artifacts/a.zip", len(code)))
    registry.routes["GET /artifacts/a.zip"] = Reply(200, code)
    compiled = failed(
        spoke(registry, "compile", "acme.a", "-l", "python", "-o", "gen", cwd=tmp_path)
    )
    assert "'a_pb2.py' and 'a_pb2.py/b_pb2.py'" in compiled
    assert not (tmp_path / "out").exists() and not (tmp_path / "gen").exists()


def assert_clean(text: str) -> None:
    assert first_unsafe(text, allow="\n") is None, repr(text)


def test_nothing_the_server_says_reaches_the_terminal_raw(
    parties: tuple[Party, Party], tmp_path: Path
) -> None:
    registry, _ = parties
    stamp = "2024-01-01T00:00:00Z"
    registry.routes["GET /modules"] = Reply(
        200, {"items": [{"name": f"acme{HOSTILE}", "description": HOSTILE, "created_at": stamp}]}
    )
    registry.routes["GET /auth/keys"] = Reply(
        200,
        {
            "items": [
                {
                    "id": 1,
                    "name": HOSTILE,
                    "prefix": f"spoke_{ESC}[8m",
                    "grants": [HOSTILE],
                    "expires_at": None,
                    "revoked_at": HOSTILE,
                    "last_used_at": None,
                }
            ]
        },
    )
    registry.routes["POST /auth/keys"] = Reply(
        201, {"id": 2, "name": HOSTILE, "grants": ["read"], "token": f"spoke_{HOSTILE}"}
    )
    registry.routes["GET /modules/acme.a/versions/latest"] = Reply(
        400,
        {"error": {"code": "x", "message": HOSTILE, "details": [HOSTILE, {"message": HOSTILE}]}},
    )

    listed = spoke(registry, "modules", "list", cwd=tmp_path)
    keys = spoke(registry, "keys", "list", cwd=tmp_path)
    created = spoke(registry, "keys", "create", "ci", "-g", "read", cwd=tmp_path)
    shown = spoke(registry, "show", "acme.a", cwd=tmp_path)

    for result in (listed, keys, created):
        assert result.returncode == 0, result.stderr
        assert_clean(result.stdout)
        assert_clean(result.stderr)
        assert "\\u001b]0;pwned" in " ".join(result.stdout.split())
    assert "[bold red]FAKE[/]" in listed.stdout  # markup shown as text, not interpreted
    assert "spoke_\\u001b]0;pwned" in created.stdout
    error = failed(shown)
    assert_clean(shown.stderr)
    assert error.startswith(
        "error: \\u001b]0;pwned\\u001b\\\\u001b[2J\\u009b31m\\u202e [bold red]FAKE[/]"
    )


def test_push_publishes_nothing_from_outside_the_folder(
    parties: tuple[Party, Party], tmp_path: Path
) -> None:
    registry, _ = parties
    secret = tmp_path / "home" / ".netrc"
    secret.parent.mkdir()
    secret.write_text("machine registry login me password hunter2\n")
    root = tmp_path / "protos"
    (root / "acme").mkdir(parents=True)
    (root / "acme" / "a.proto").write_text('syntax = "proto3";\npackage acme;\n')
    (root / "README.md").symlink_to(secret)

    error = failed(spoke(registry, "push", str(root), "-m", "acme.a", "-v", "v1.0.0", cwd=tmp_path))
    assert "README.md is a link to" in error and "outside" in error
    assert registry.seen == []  # nothing was sent
    assert "hunter2" not in error
