"""The CLI's files on disk: archives from a registry are unpacked only as regular files at
safe paths inside the output folder; pushed files never come from outside their folder."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from spoke.cli.archives import tar_gz_files, zip_files
from spoke.cli.client import CliError
from spoke.cli.codegen import unpack
from spoke.cli.localfiles import write_tree
from spoke.cli.push import collect_files
from spoke.domain.paths import validate_path
from spoke.domain.trees import validate_generated_path

PY = b"# generated\n"


def make_zip(*entries: tuple[str, bytes] | zipfile.ZipInfo) -> bytes:
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as archive:
        for entry in entries:
            if isinstance(entry, zipfile.ZipInfo):
                archive.writestr(entry, b"/etc/passwd")
            else:
                archive.writestr(zipfile.ZipInfo(entry[0]), entry[1])
    return raw.getvalue()


def make_tar_gz(*members: tarfile.TarInfo, data: bytes = b"") -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for member in members:
            tar.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return raw.getvalue()


def member(name: str, kind: bytes = tarfile.REGTYPE, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.size, info.linkname = kind, size, "/etc/passwd"
    return info


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_generated_files_are_unpacked(tmp_path: Path) -> None:
    data = make_zip(("acme/a/v1/a_pb2.py", PY), ("acme/a/v1/a_pb2.pyi", PY), ("acme/", b""))
    assert unpack(data, tmp_path / "out") == 2
    assert tree(tmp_path / "out") == {"acme/a/v1/a_pb2.py": PY, "acme/a/v1/a_pb2.pyi": PY}


@pytest.mark.parametrize(
    "name",
    [
        *[".", "./", "..", "../evil_pb2.py", "/tmp/evil_pb2.py", ".git/config", ".git/hooks/x"],
        *["a/.bashrc", "a//b_pb2.py", "a\\..\\b_pb2.py", "a\x1b[2J_pb2.py", "setup.py", "run.sh"],
    ],
)
def test_compile_refuses_unsafe_entries_and_writes_nothing(tmp_path: Path, name: str) -> None:
    out = tmp_path / "work" / "out"
    out.parent.mkdir()
    data = make_zip(("acme/a_pb2.py", PY), (name, b"[core]\n\tfsmonitor = touch /tmp/pwned\n"))
    with pytest.raises(CliError, match="unsafe entry"):
        unpack(data, out)
    assert not out.exists()  # checked before anything is written, ``-o`` itself included
    assert list(tmp_path.rglob("*")) == [tmp_path / "work"]


def test_compile_refuses_links_and_devices_in_a_zip(tmp_path: Path) -> None:
    for mode in (stat.S_IFLNK | 0o777, stat.S_IFCHR | 0o644, stat.S_IFIFO | 0o644):
        link = zipfile.ZipInfo("acme/a_pb2.py")
        link.external_attr = mode << 16
        with pytest.raises(CliError, match="not a regular file"):
            unpack(make_zip(link), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_compile_refuses_a_file_and_folder_clash(tmp_path: Path) -> None:
    data = make_zip(("a_pb2.py", PY), ("a_pb2.py/b_pb2.py", PY))
    with pytest.raises(CliError, match="one is a file, the other needs a folder"):
        unpack(data, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_duplicates_and_garbage_are_refused(tmp_path: Path) -> None:
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = make_zip(("a_pb2.py", PY), ("a_pb2.py", b"other"))
    with pytest.raises(CliError, match="twice"):
        zip_files(twice, validate_generated_path)
    with pytest.raises(CliError, match="not a zip archive"):
        zip_files(b"<html>", validate_generated_path)
    with pytest.raises(CliError, match="damaged"):
        tar_gz_files(b"\x1f\x8bnot really", validate_path)


@pytest.mark.parametrize(
    "entry",
    [
        member("a.proto", tarfile.SYMTYPE),
        member("a.proto", tarfile.LNKTYPE),
        member("a.proto", tarfile.CHRTYPE),
        member("a.proto", tarfile.FIFOTYPE),
        member("a", tarfile.DIRTYPE),
    ],
)
def test_pull_refuses_non_files(entry: tarfile.TarInfo) -> None:
    with pytest.raises(CliError, match="non-file entry"):
        tar_gz_files(make_tar_gz(entry), validate_path)


@pytest.mark.parametrize("name", [".", "../a.proto", "/a.proto", "a/./b.proto", ".git/config"])
def test_pull_refuses_unsafe_paths(name: str) -> None:
    with pytest.raises(CliError, match="unsafe entry"):
        tar_gz_files(make_tar_gz(member(name, size=1), data=b"x"), validate_path)


def test_write_tree_never_writes_through_a_link(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "acme").symlink_to(outside, target_is_directory=True)
    (out / "b_pb2.py").symlink_to(outside / "target")
    with pytest.raises(CliError, match="is a link"):
        write_tree(out, {"acme/sub/a_pb2.py": PY})
    with pytest.raises(CliError, match="cannot write under"):
        write_tree(out, {"b_pb2.py": PY})
    assert list(outside.iterdir()) == []


def test_write_tree_reports_what_is_in_the_way(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file, not a folder")
    with pytest.raises(CliError, match="cannot write under"):
        write_tree(tmp_path / "out", {"a.proto": b""})
    (tmp_path / "out2" / "a.proto").mkdir(parents=True)
    with pytest.raises(CliError, match="cannot write under"):
        write_tree(tmp_path / "out2", {"a.proto": b""})


def proto_tree(root: Path) -> Path:
    (root / "acme").mkdir(parents=True)
    (root / "acme" / "a.proto").write_text('syntax = "proto3";\n')
    return root


def test_push_refuses_links_that_leave_the_folder(tmp_path: Path) -> None:
    secret = tmp_path / "home" / ".netrc"
    secret.parent.mkdir()
    secret.write_text("machine registry login me password hunter2\n")
    root = proto_tree(tmp_path / "protos")
    (root / "README.md").symlink_to(secret)
    with pytest.raises(CliError, match="outside"):
        collect_files(root)
    (root / "README.md").unlink()
    (root / "acme" / "stolen.proto").symlink_to(secret)
    with pytest.raises(CliError, match="outside"):
        collect_files(root)


def test_push_refuses_links_into_hidden_folders(tmp_path: Path) -> None:
    root = proto_tree(tmp_path / "protos")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[remote]\n\turl = https://me:token@example.test\n")
    (root / "README.md").symlink_to(root / ".git" / "config")
    with pytest.raises(CliError, match="hidden"):
        collect_files(root)


def test_push_reads_links_that_stay_inside_the_folder(tmp_path: Path) -> None:
    root = proto_tree(tmp_path / "protos")
    (root / "docs").mkdir()
    (root / "docs" / "guide.md").write_text("# guide\n")
    (root / "README.md").symlink_to(Path("docs") / "guide.md")
    (root / "acme" / "alias.proto").symlink_to("a.proto")
    found = [p.relative_to(root).as_posix() for p in collect_files(root)]
    assert found == ["acme/a.proto", "acme/alias.proto", "README.md"]
