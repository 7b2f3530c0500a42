"""``spoke breaking``, ``spoke lint`` and ``spoke diff`` against a running registry: buf's
output shapes and exit status, the config read from DIR/buf.yaml."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.buf_reference import buf_binary, buf_breaking, write_buf_yaml
from tests.functional.live_server import Server, cli, running_server
from tests.functional.test_governance_api import PATH, V1, V2_BREAKING

pytestmark = pytest.mark.e2e


def tree(root: Path, text: str) -> Path:
    (root / PATH).parent.mkdir(parents=True, exist_ok=True)
    (root / PATH).write_text(text)
    return root


@pytest.fixture
def server(tmp_path: Path) -> Server:
    (tmp_path / "registry").mkdir()
    with running_server(tmp_path / "registry") as started:
        yield started  # type: ignore[misc]


def test_breaking_prints_what_buf_prints(server: Server, tmp_path: Path) -> None:
    old = tree(tmp_path / "old", V1)
    pushed = cli(server, "push", str(old), "-m", "acme.pay", "-v", "v1.0.0")
    assert pushed.returncode == 0, pushed.stderr
    new = tree(tmp_path / "new", V2_BREAKING)
    write_buf_yaml(new, breaking={"use": ["FILE"]})
    write_buf_yaml(old)

    ours = cli(
        server, "breaking", str(new), "--against", "acme.pay@v1.0.0", "--error-format", "json"
    )
    assert ours.returncode == 100, ours.stderr
    printed = [json.loads(line) for line in ours.stdout.splitlines()]
    assert printed == buf_breaking(new, old)  # the same objects, in the same order

    text = cli(server, "breaking", str(new), "--against", "acme.pay@v1.0.0")
    assert text.returncode == 100
    assert f'{PATH}:6:3:Field "2" with name "amount"' in text.stdout

    write_buf_yaml(
        new, breaking={"use": ["FILE"], "except": ["FIELD_SAME_TYPE", "ENUM_VALUE_NO_DELETE"]}
    )
    clean = cli(server, "breaking", str(new), "--against", "acme.pay@v1.0.0")
    assert clean.returncode == 0 and clean.stdout == ""


def test_breaking_errors_are_clear(server: Server, tmp_path: Path) -> None:
    new = tree(tmp_path / "new", V1)
    bad_ref = cli(server, "breaking", str(new), "--against", "acme.pay")
    assert bad_ref.returncode == 1 and "MODULE@VERSION" in bad_ref.stderr
    missing = cli(server, "breaking", str(new), "--against", "acme.nope@v1.0.0")
    assert missing.returncode == 1 and "acme.nope" in missing.stderr
    (new / "buf.yaml").write_text("version: v2\nbreaking:\n  use: [NOT_A_RULE]\n")
    pushed = cli(server, "push", str(new), "-m", "acme.pay", "-v", "v1.0.0")
    assert pushed.returncode == 0, pushed.stderr
    bad_rule = cli(server, "breaking", str(new), "--against", "acme.pay@v1.0.0")
    assert bad_rule.returncode == 1 and "NOT_A_RULE" in bad_rule.stderr


def test_lint_and_diff(server: Server, tmp_path: Path) -> None:
    root = tree(tmp_path / "v1", V1)
    linted = cli(server, "lint", str(root), "--error-format", "json")
    assert linted.returncode in (0, 100), linted.stderr
    for line in linted.stdout.splitlines():
        finding = json.loads(line)
        assert {"path", "start_line", "type", "message"} <= set(finding)
    assert cli(server, "push", str(root), "-m", "acme.pay", "-v", "v1.0.0").returncode == 0
    v2 = tree(tmp_path / "v2", V2_BREAKING)
    assert cli(server, "push", str(v2), "-m", "acme.pay", "-v", "v2.0.0").returncode == 0
    shown = cli(server, "diff", "acme.pay@v1.0.0", "acme.pay@v2.0.0")
    assert shown.returncode == 0, shown.stderr
    assert "+ field acme.pay.v1.Payment.3" in shown.stdout
    assert "- enum_value acme.pay.v1.State.1.STATE_DONE" in shown.stdout
    assert "2 breaking change(s)" in shown.stdout
    other = cli(server, "diff", "acme.pay@v1.0.0", "acme.other@v2.0.0")
    assert other.returncode == 1 and "one module" in other.stderr


def test_findings_without_a_file_print_as_buf_prints_them(server: Server, tmp_path: Path) -> None:
    """A deleted file has no ``path`` in buf's JSON (never ``"path": null``) and is
    ``<input>`` in its other formats: stdout compared byte for byte with buf's."""
    old = tree(tmp_path / "old", V1)
    (old / "acme/pay/v1/extra.proto").write_text(
        'syntax = "proto3";\npackage acme.pay.v1;\nmessage Extra {}\n'
    )
    assert cli(server, "push", str(old), "-m", "acme.pay", "-v", "v1.0.0").returncode == 0
    new = tree(tmp_path / "new", V1)
    write_buf_yaml(new, breaking={"use": ["FILE"]})
    write_buf_yaml(old)
    for error_format in ("json", "text", "msvs", "github-actions"):
        ours = cli(
            server, "breaking", str(new), "--against", "acme.pay@v1.0.0",
            "--error-format", error_format,
        )  # fmt: skip
        theirs = subprocess.run(
            [buf_binary(), "breaking", "--against", str(old), "--error-format", error_format],
            cwd=new, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout), error_format
        if error_format == "json":
            assert '"type":"FILE_NO_DELETE"' in ours.stdout and "null" not in ours.stdout


def test_lint_reads_a_v1_buf_yaml_as_buf_does(server: Server, tmp_path: Path) -> None:
    """A v1 buf.yaml: comment ignores are off unless allowed, so buf reports what the
    ``buf:lint:ignore`` comments would hide under v2; the CLI sends the file's version."""
    from tests.integration.test_buf_v1_configs import _ALIASES

    root = tmp_path / "v1"
    (root / "acme/alias/v1").mkdir(parents=True)
    (root / "acme/alias/v1/alias.proto").write_text(_ALIASES)
    for config in ("version: v1\n", "version: v1\nlint:\n  allow_comment_ignores: true\n"):
        (root / "buf.yaml").write_text(config)
        ours = cli(server, "lint", str(root), "--error-format", "json")
        theirs = subprocess.run(
            [buf_binary(), "lint", "--error-format", "json"],
            cwd=root, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout), config
        if "allow_comment_ignores" not in config:
            assert '"type":"ENUM_FIRST_VALUE_ZERO"' in ours.stdout


def test_workspaces_print_what_buf_prints(server: Server, tmp_path: Path) -> None:
    """A buf.yaml v2 ``modules:`` workspace (issue 18, class 2): the same bytes as buf's,
    from lint and from breaking against a pushed version of the old tree."""
    from tests.integration import workspace_cases as ws

    new = ws.write(tmp_path / "ws", ws.NEW)
    ours = cli(server, "lint", str(new), "--error-format", "json")
    theirs = subprocess.run(
        [buf_binary(), "lint", "--error-format", "json"],
        cwd=new, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert theirs.returncode == 100 and theirs.stdout
    assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout), ours.stderr

    old = ws.write(tmp_path / "old", ws.OLD)
    merged = tmp_path / "pushed"  # the old workspace as one module: its modules' trees
    for name, text in ws.OLD.items():
        inside = name.split("/", 1)[1]
        if "internal" not in inside:
            (merged / inside).parent.mkdir(parents=True, exist_ok=True)
            (merged / inside).write_text(text)
    pushed = cli(server, "push", str(merged), "-m", "acme.ws", "-v", "v1.0.0")
    assert pushed.returncode == 0, pushed.stderr
    ours = cli(
        server, "breaking", str(new), "--against", "acme.ws@v1.0.0", "--error-format", "json"
    )
    assert ours.returncode == 100, ours.stderr
    assert [json.loads(line) for line in ours.stdout.splitlines()] == buf_breaking(new, old)


def test_lint_says_when_only_protoc_refuses(server: Server, tmp_path: Path) -> None:
    """Issue 18, class 7: buf lints this file; we say protoc refused it and buf would not."""
    from tests.integration.compiler_difference_cases import CASES, path_of

    (tmp_path / path_of("allow_alias_false")).parent.mkdir(parents=True)
    (tmp_path / path_of("allow_alias_false")).write_text(CASES["allow_alias_false"])
    ours = cli(server, "lint", str(tmp_path))
    assert ours.returncode == 1
    said = " ".join(ours.stderr.split())
    assert "protoc refuses what buf's compiler accepts" in said
    assert "allow_alias = false;" in said and f"{path_of('allow_alias_false')}:4:1" in said
