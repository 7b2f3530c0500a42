"""Archives the registry sends, read into memory and checked entry by entry before
anything is written: only regular files, each path passing the caller's rule, none twice.
A registry is trusted with file contents, never with where they go."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from collections.abc import Callable

from spoke.cli.client import CliError
from spoke.domain.errors import InvalidArgument
from spoke.domain.trees import validate_relative_path

PathRule = Callable[[str], str]  # returns the path, or raises InvalidArgument


def zip_files(data: bytes, rule: PathRule) -> dict[str, bytes]:
    """The regular files of a zip archive by path. Folder entries are checked and skipped
    (folders are made for the files); links, devices and unsafe names are refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CliError(f"the registry sent something that is not a zip archive: {exc}") from exc
    files: dict[str, bytes] = {}
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir():
                _check(validate_relative_path, name.removesuffix("/"))
                continue
            kind = stat.S_IFMT(info.external_attr >> 16)
            if kind not in (0, stat.S_IFREG):  # 0: the archiver recorded no file type
                raise CliError(f"the archive holds {_shown(name)}, which is not a regular file")
            _add(files, _check(rule, name), archive.read(info))
    return files


def tar_gz_files(data: bytes, rule: PathRule) -> dict[str, bytes]:
    """The files of a gzipped tar archive by path; anything but regular files is refused."""
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar:
                if not member.isfile():
                    raise CliError(f"the archive holds a non-file entry {_shown(member.name)}")
                path = _check(rule, member.name)
                handle = tar.extractfile(member)
                _add(files, path, handle.read() if handle else b"")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise CliError(f"the registry sent a damaged tar.gz archive: {exc}") from exc
    return files


def _check(rule: PathRule, name: str) -> str:
    try:
        return rule(name)
    except InvalidArgument as exc:
        raise CliError(f"the archive holds an unsafe entry: {exc.message}") from None


def _add(files: dict[str, bytes], path: str, data: bytes) -> None:
    if path in files:
        raise CliError(f"the archive holds {_shown(path)} twice")
    files[path] = data


def _shown(name: str) -> str:
    return repr(name.encode("utf-8", "backslashreplace").decode("utf-8"))
