"""A wheel of a distribution installed in this environment, repacked from its RECORD: how
the pip test gets the ``protobuf`` runtime without reaching a package index."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from importlib import metadata
from pathlib import Path


def repack(name: str, dest: Path) -> Path:
    """Write ``{name}-{version}-{tag}.whl`` into ``dest`` from the installed files (compiled
    ``.pyc`` files and scripts outside site-packages left out) and return its path."""
    dist = metadata.distribution(name)
    info = next(f for f in dist.files or () if f.name == "WHEEL").parent.as_posix()
    tag = next(
        line.split(":", 1)[1].strip()
        for line in (dist.read_text("WHEEL") or "").splitlines()
        if line.startswith("Tag:")
    )
    entries: list[tuple[str, bytes]] = []
    for file in dist.files or ():
        path = file.as_posix()
        if path.startswith("..") or path.endswith(".pyc") or path == f"{info}/RECORD":
            continue
        entries.append((path, Path(str(dist.locate_file(file))).read_bytes()))
    record = "".join(
        f"{path},sha256="
        f"{base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
        f"{len(data)}\n"
        for path, data in entries
    )
    entries.append((f"{info}/RECORD", (record + f"{info}/RECORD,,\n").encode()))
    target = dest / f"{dist.metadata['Name'].replace('-', '_')}-{dist.version}-{tag}.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in entries:
            wheel.writestr(path, data)
    return target
