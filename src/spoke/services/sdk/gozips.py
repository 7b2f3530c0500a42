"""Go modules of generated code: module paths, package names, ``go.mod``, and module zips
that pass the go command's checks (golang.org/x/mod/zip): every file under
``{module path}@{version}/``, valid file paths, no two differing only in case, within the
size limits."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Mapping

from spoke.services.sdk.generated import SdkNotBuildable

#: golang.org/x/mod/zip's limits.
MAX_ZIP_FILE = 500 << 20
MAX_GO_MOD = 16 << 20
_FILE_CHARS = re.compile(r"[A-Za-z0-9!#$%&()+,\-.=@\[\]^_{}~ ]+")
_WINDOWS_RESERVED = re.compile(r"(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?", re.IGNORECASE)
_GO_VERSION = re.compile(rb"^//\s+protoc-gen-go v(\d+\.\d+\.\d+)", re.MULTILINE)
_EPOCH = (1980, 1, 1, 0, 0, 0)
PROTOBUF_MODULE = "google.golang.org/protobuf"


def package_name(directory: str, module: str) -> str:
    """A Go package name for a folder: its last two elements run together, as buf's SDKs
    name them (``acme/greet/v1`` → ``greetv1``); the module's last part at the top."""
    parts = directory.split("/")[-2:] if directory else [module.split(".")[-1]]
    name = re.sub(r"[^a-z0-9]", "", "".join(parts).lower())
    return name if name and not name[0].isdigit() else f"pb{name}"


def go_sources(generated: Mapping[str, bytes]) -> dict[str, bytes]:
    return {path: data for path, data in generated.items() if path.endswith(".pb.go")}


def protobuf_version(sources: Mapping[str, bytes]) -> str:
    """The ``google.golang.org/protobuf`` version of the generator that wrote the code."""
    found = sorted(
        (tuple(int(p) for p in m[1].split(b".")), m[1].decode())
        for data in sources.values()
        if (m := _GO_VERSION.search(data))
    )
    return f"v{found[-1][1]}" if found else "v1.28.0"


def go_mod(path: str, requires: Iterable[tuple[str, str]]) -> bytes:
    lines = [f"module {path}", "", "go 1.19", ""]
    wanted = sorted(set(requires))
    if wanted:
        lines += ["require (", *(f"\t{mod} {version}" for mod, version in wanted), ")", ""]
    return "\n".join(lines).encode()


def check_file_path(path: str) -> str | None:
    """Why the go command would refuse ``path`` in a module zip, else None."""
    for element in path.split("/"):
        if element in ("", ".", ".."):
            return "an empty, '.' or '..' element"
        if not _FILE_CHARS.fullmatch(element):
            return f"a character Go does not allow in file names in {element!r}"
        if element.endswith("."):
            return f"{element!r} ends with a dot"
        if _WINDOWS_RESERVED.fullmatch(element):
            return f"{element!r} is a reserved file name on Windows"
    return None


def build_module_zip(path: str, version: str, files: Mapping[str, bytes]) -> bytes:
    """The module zip: ``files`` (with ``go.mod``) under ``{path}@{version}/``. Raises
    ``SdkNotBuildable`` where the go command would refuse the zip."""
    if len(files.get("go.mod", b"")) > MAX_GO_MOD:
        raise SdkNotBuildable("go.mod is over the go command's 16 MiB limit")
    if sum(len(data) for data in files.values()) > MAX_ZIP_FILE:
        raise SdkNotBuildable("the module is over the go command's 500 MiB limit")
    folded: dict[str, str] = {}
    for name in files:
        if (problem := check_file_path(name)) is not None:
            raise SdkNotBuildable(f"{name!r} cannot be in a Go module: {problem}")
        if (other := folded.setdefault(name.lower(), name)) != name:
            raise SdkNotBuildable(f"{name!r} and {other!r} differ only in case")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            entry = zipfile.ZipInfo(f"{path}@{version}/{name}", _EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    data = buffer.getvalue()
    if len(data) > MAX_ZIP_FILE:
        raise SdkNotBuildable("the module zip is over the go command's 500 MiB limit")
    return data


def read_go_mod(module_zip: bytes, path: str, version: str) -> bytes:
    """The ``go.mod`` at the root of a module zip."""
    with zipfile.ZipFile(io.BytesIO(module_zip)) as archive:
        return archive.read(f"{path}@{version}/go.mod")
