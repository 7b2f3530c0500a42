"""nginx as the load balancer in front of the cluster's ``spoke serve`` instances.

Round robin over the instances with passive health checks (``max_fails``/``fail_timeout``):
an instance that refuses connections or resets one is skipped for ``fail_timeout`` and the
request goes to the next (``proxy_next_upstream``), pushes too: a push is idempotent (the
same files again answer 200), so retrying one whose instance died mid-request is safe.
"""

from __future__ import annotations

import socket
from collections.abc import Sequence
from pathlib import Path

from spoke.devstack.process import SpawnedServer

NGINX = "/usr/sbin/nginx"
HOST = "127.0.0.1"

_CONFIG = """\
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    log_format upstreams '$time_iso8601 $status $request_method $request_uri '
                         'upstream=$upstream_addr upstream_status=$upstream_status '
                         'time=$request_time';
    access_log {directory}/access.log upstreams;
    client_body_temp_path {directory}/tmp/body;
    proxy_temp_path {directory}/tmp/proxy;
    fastcgi_temp_path {directory}/tmp/fastcgi;
    uwsgi_temp_path {directory}/tmp/uwsgi;
    scgi_temp_path {directory}/tmp/scgi;
    client_max_body_size {max_body};
    # Bodies and responses stay in memory: the workers run as `nobody` when we are root,
    # and could not write temp files under a private test directory.
    client_body_buffer_size {max_body};
    proxy_max_temp_file_size 0;

    upstream spoke {{
{servers}
        keepalive 32;
    }}
    server {{
        listen {host}:{port};
        location / {{
            proxy_pass http://spoke;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # The whole body is read before the first try, so a retry can resend it.
            proxy_request_buffering on;
            proxy_next_upstream error timeout http_502 non_idempotent;
            proxy_next_upstream_tries {tries};
            proxy_next_upstream_timeout 15s;
            proxy_connect_timeout 1s;
            proxy_send_timeout 30s;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""


class NginxServer(SpawnedServer):
    """nginx in the foreground (``daemon off``), balancing ``upstreams`` on ``port``."""

    def __init__(
        self,
        name: str,
        directory: Path,
        port: int,
        upstreams: Sequence[tuple[str, int]],
        *,
        max_fails: int = 1,
        fail_timeout: float = 2.0,
        max_body: str = "80m",
    ) -> None:
        super().__init__(name, directory, port, HOST)
        self.upstreams = list(upstreams)
        self.max_fails = max_fails
        self.fail_timeout = fail_timeout
        self.max_body = max_body

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.directory / "nginx.conf"

    @property
    def access_log(self) -> Path:
        return self.directory / "access.log"

    def config(self) -> str:
        servers = "\n".join(
            f"        server {host}:{port} max_fails={self.max_fails} "
            f"fail_timeout={self.fail_timeout:g}s;"
            for host, port in self.upstreams
        )
        return _CONFIG.format(
            directory=self.directory,
            servers=servers,
            host=self.host,
            port=self.port,
            max_body=self.max_body,
            tries=len(self.upstreams),
        )

    def _prepare(self) -> None:
        (self.directory / "tmp").mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.config())

    def argv(self) -> list[str]:
        return [NGINX, "-p", str(self.directory), "-c", str(self.config_path), "-g", "daemon off;"]

    def _ready(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5):
                return True
        except OSError:
            return False
