"""``python -m spoke.devstack [ha] up|down|status|env [--dir DIR]``.

``up`` starts the stack, leaves it running in the background, records it in
``DIR/state.json`` and prints ``export SPOKE_...=...`` lines, so that
``eval "$(python -m spoke.devstack up)"`` configures the current shell. ``down``
stops the recorded servers by PID and removes ``DIR``. The ``ha`` group does the same for
the whole HA cluster (the stack with two PostgreSQL replicas, three ``spoke serve``
instances, a Sprocket worker and nginx in front; ``SPOKE_REGISTRY`` is the balancer).
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from spoke.devstack.cluster import Cluster, start_cluster
from spoke.devstack.process import DevstackError, pid_matches, terminate
from spoke.devstack.seaweed import remove_stale_sockets
from spoke.devstack.stack import Stack, start_stack

STATE_FILE = "state.json"


def _state_path(directory: Path) -> Path:
    return directory / STATE_FILE


def _load_state(directory: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads(_state_path(directory).read_text())
    except FileNotFoundError:
        return None
    return state


def _alive(server: dict[str, Any]) -> bool:
    pid = server.get("pid")
    return isinstance(pid, int) and pid_matches(pid, str(server["marker"]))


def _exports(env: dict[str, str]) -> str:
    return "".join(f"export {key}={shlex.quote(value)}\n" for key, value in sorted(env.items()))


def _remove(directory: Path, state: dict[str, Any]) -> None:
    for external in state.get("external_dirs", []):
        shutil.rmtree(external, ignore_errors=True)
    shutil.rmtree(directory, ignore_errors=True)


def _stop_recorded(state: dict[str, Any]) -> list[str]:
    stopped = []
    for server in reversed(state.get("servers", [])):
        if _alive(server):
            terminate(
                int(server["pid"]),
                sig=signal.Signals[str(server["stop_signal"])],
                group=bool(server["stop_group"]),
            )
            stopped.append(str(server["name"]))
    remove_stale_sockets([int(port) for port in state.get("ports", [])])
    return stopped


class _Started(Protocol):
    @property
    def workdir(self) -> Path: ...

    def describe(self) -> dict[str, Any]: ...
    def env(self) -> dict[str, str]: ...
    def stop(self) -> None: ...


def cmd_up(directory: Path, *, postgres: bool, redis: bool, s3: bool) -> int:
    if not _may_start_in(directory):
        return 1
    stack = Stack(workdir=directory)
    try:
        start_stack(stack, postgres=postgres, redis=redis, s3=s3)
    except BaseException:
        stack.stop()
        stack.remove_external_dirs()
        raise
    return _record(stack, stack.timings["total"])


def cmd_ha_up(directory: Path, *, instances: int) -> int:
    if not _may_start_in(directory):
        return 1
    cluster = Cluster(stack=Stack(workdir=directory))
    started = time.monotonic()
    try:
        start_cluster(cluster, instances=instances)
    except BaseException:
        cluster.stop()
        cluster.stack.remove_external_dirs()
        raise
    for instance in cluster.instances:
        print(
            f"devstack: {instance.name} api {instance.url} ops {instance.ops_url}", file=sys.stderr
        )
    print(f"devstack: balancer {cluster.url}", file=sys.stderr)
    return _record(cluster, time.monotonic() - started)


def _may_start_in(directory: Path) -> bool:
    state = _load_state(directory)
    if state is not None:
        if any(_alive(server) for server in state.get("servers", [])):
            print(f"devstack: already up in {directory}; run `down` first", file=sys.stderr)
            return False
        _remove(directory, state)
    elif directory.exists() and any(directory.iterdir()):
        print(f"devstack: {directory} exists and is not a devstack dir", file=sys.stderr)
        return False
    return True


def _record(started: _Started, seconds: float) -> int:
    """Write the state file, say where it is, print the ``export`` lines."""
    described = started.describe()
    temporary = _state_path(started.workdir).with_suffix(".tmp")
    temporary.touch(mode=0o600)  # it holds the S3 secret key
    temporary.write_text(json.dumps(described, indent=2) + "\n")
    temporary.replace(_state_path(started.workdir))
    print(
        f"devstack: up in {seconds:.1f} s; state in {_state_path(started.workdir)}",
        file=sys.stderr,
    )
    sys.stdout.write(_exports(started.env()))
    return 0


def cmd_down(directory: Path) -> int:
    state = _load_state(directory)
    if state is None:
        print(f"devstack: nothing recorded in {directory}", file=sys.stderr)
        return 0
    stopped = _stop_recorded(state)
    _remove(directory, state)
    print(f"devstack: stopped {', '.join(stopped) or 'nothing'}", file=sys.stderr)
    return 0


def cmd_status(directory: Path) -> int:
    state = _load_state(directory)
    if state is None:
        print(f"devstack: not up (no {_state_path(directory)})")
        return 1
    all_up = True
    for server in state.get("servers", []):
        up = _alive(server)
        all_up &= up
        status = "up" if up else "DOWN"
        print(f"{server['name']:<16} {status:<5} pid {server['pid']:<8} port {server['port']}")
    return 0 if all_up else 1


def cmd_env(directory: Path) -> int:
    state = _load_state(directory)
    if state is None:
        print(f"devstack: not up (no {_state_path(directory)})", file=sys.stderr)
        return 1
    sys.stdout.write(_exports(state["env"]))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m spoke.devstack",
        description="Throwaway PostgreSQL, Redis + Sentinel and S3 servers for Spoke.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _add_commands(commands, default_dir=Path(".devstack"), ha=False)
    ha = commands.add_parser(
        "ha",
        help="the HA cluster: the stack with 2 PostgreSQL replicas, 3 instances, a worker, nginx",
    )
    _add_commands(
        ha.add_subparsers(dest="ha_command", required=True),
        default_dir=Path(".devstack-ha"),
        ha=True,
    )
    return parser


def _add_commands(commands: Any, *, default_dir: Path, ha: bool) -> None:
    for name, text in [
        ("up", "start the stack in the background and print `export` lines"),
        ("down", "stop the recorded servers and remove the directory"),
        ("status", "show which recorded servers are up (exit 1 if any is down)"),
        ("env", "print the `export` lines of the running stack again"),
    ]:
        command = commands.add_parser(name, help=text)
        command.add_argument(
            "--dir", type=Path, default=default_dir, help=f"state dir (./{default_dir})"
        )
        if name == "up" and ha:
            command.add_argument(
                "--instances", type=int, default=3, help="spoke serve instances (3)"
            )
        elif name == "up":
            for service in ("postgres", "redis", "s3"):
                command.add_argument(
                    f"--no-{service}", action="store_true", help=f"do not start {service}"
                )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    directory: Path = args.dir
    command = args.ha_command if args.command == "ha" else args.command
    try:
        if args.command == "ha" and command == "up":
            if args.instances < 1:
                print("devstack: --instances must be at least 1", file=sys.stderr)
                return 2
            return cmd_ha_up(directory, instances=args.instances)
        if command == "up":
            return cmd_up(
                directory, postgres=not args.no_postgres, redis=not args.no_redis, s3=not args.no_s3
            )
        if command == "down":
            return cmd_down(directory)
        if command == "status":
            return cmd_status(directory)
        return cmd_env(directory)
    except DevstackError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
