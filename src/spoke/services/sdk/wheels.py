"""Pure-Python wheels of generated code (the binary distribution format, PEP 427/491),
built deterministically: the same inputs give the same bytes."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from packaging.utils import canonicalize_name

#: The generated files a wheel carries; anything else in the archive stays out.
_PYTHON_SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py")
_RUNTIME = re.compile(rb"^# Protobuf Python Version: (\d+)\.(\d+)\.(\d+)", re.MULTILINE)
_GRPC_VERSION = re.compile(rb"^GRPC_GENERATED_VERSION = '(\d+(?:\.\d+)*)'", re.MULTILINE)
_SERVICE_STUB = re.compile(rb"^class \w+Stub\(", re.MULTILINE)
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold
_GENERATOR = "spoke"


@dataclass(frozen=True)
class Wheel:
    filename: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def project_name(module: str) -> str:
    """A module's project name: its PEP 503 normalised form (``acme.greet`` → ``acme-greet``)."""
    return str(canonicalize_name(module))


def distribution_name(project: str) -> str:
    """The name in a wheel's file name and ``.dist-info`` folder (``acme_greet``)."""
    return project_name(project).replace("-", "_")


def python_sources(generated: Mapping[str, bytes]) -> dict[str, bytes]:
    """The files a wheel installs: the ``_pb2`` modules and stubs, and the gRPC modules of
    files that declare a service (the plugin writes an empty one for every other file)."""
    return {
        path: data
        for path, data in generated.items()
        if path.endswith(_PYTHON_SUFFIXES)
        and (not path.endswith("_pb2_grpc.py") or _SERVICE_STUB.search(data))
    }


def runtime_requirements(sources: Mapping[str, bytes]) -> list[str]:
    """What the generated code needs at run time: the ``protobuf`` release series it was
    generated for (protobuf refuses gencode newer than itself or of another major), and
    ``grpcio`` when there are service stubs."""
    found = sorted(
        {
            tuple(int(part) for part in m.groups())
            for d in sources.values()
            for m in _RUNTIME.finditer(d)
        }
    )
    if found:
        major, minor, patch = found[-1]
        requires = [f"protobuf>={major}.{minor}.{patch},<{major + 1}"]
    else:
        requires = ["protobuf"]
    grpc = [data for path, data in sources.items() if path.endswith("_pb2_grpc.py")]
    if grpc:
        versions = sorted(
            (tuple(int(p) for p in m[1].split(b".")), m[1].decode())
            for data in grpc
            if (m := _GRPC_VERSION.search(data))
        )
        requires.append(f"grpcio>={versions[-1][1]}" if versions else "grpcio")
    return requires


def build_wheel(
    *,
    project: str,
    version: str,
    summary: str,
    sources: Mapping[str, bytes],
    requires: Iterable[str],
    created: datetime | None = None,
) -> Wheel:
    """A ``py3-none-any`` wheel installing ``sources`` (paths relative to site-packages,
    as namespace packages: no ``__init__.py``, so wheels of modules sharing a folder
    install side by side) with ``METADATA``, ``WHEEL`` and ``RECORD``.

    ``version`` is a normalised PEP 440 version; ``created`` dates every entry (default
    1980-01-01) so rebuilding gives the same bytes."""
    dist = distribution_name(project)
    info = f"{dist}-{version}.dist-info"
    metadata = "".join(
        [
            "Metadata-Version: 2.1\n",
            f"Name: {project_name(project)}\n",
            f"Version: {version}\n",
            f"Summary: {_one_line(summary)}\n",
            *(f"Requires-Dist: {requirement}\n" for requirement in requires),
        ]
    )
    wheel = (
        f"Wheel-Version: 1.0\nGenerator: {_GENERATOR}\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    entries = sorted(sources.items())
    entries += [(f"{info}/METADATA", metadata.encode()), (f"{info}/WHEEL", wheel.encode())]
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in entries)
    entries.append((f"{info}/RECORD", (record + f"{info}/RECORD,,\n").encode()))
    stamp = _stamp(created)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in entries:
            entry = zipfile.ZipInfo(path, stamp)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return Wheel(f"{dist}-{version}-py3-none-any.whl", buffer.getvalue())


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _stamp(created: datetime | None) -> tuple[int, int, int, int, int, int]:
    if created is None or created.year < 1980:
        return _EPOCH
    return (created.year, created.month, created.day, created.hour, created.minute, created.second)
