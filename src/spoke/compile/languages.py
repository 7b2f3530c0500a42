"""The languages Spoke generates code for, which of them this host can build, and how.

A ``Language`` is data: the protoc outputs it asks for (``toolchain.Output``: built-in
generators or plugins) and those it adds for gRPC. The ``LanguageRegistry`` joins the
languages with the ``Toolchain`` found at start-up; ``generate`` runs protoc for one.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from spoke.compile.protoc import Protoc, plugin_parameter_safe
from spoke.compile.toolchain import TOOL_SPECS, DescriptorSetOutput, Output, Toolchain
from spoke.domain.errors import InvalidArgument, NotFound, Unavailable

# Bump when Spoke changes how it calls protoc for the same inputs and tools: old
# compiled archives then no longer match the cache key.
_CODEGEN_REVISION = "codegen/1"
_WELL_KNOWN_PREFIX = "google/protobuf/"
_COMMENT = re.compile(rb"/\*.*?\*/|//[^\n]*", re.DOTALL)
_GO_PACKAGE = re.compile(rb"\boption\s+go_package\s*=")


class UnknownLanguage(NotFound):
    code = "unknown_language"

    def __init__(self, language_id: str, known: Sequence[str]) -> None:
        super().__init__(
            f"unknown language {language_id!r}; known: {', '.join(known)}",
            details={"language": language_id, "known": list(known)},
        )


class LanguageUnavailable(Unavailable):
    """The language (or its gRPC support) needs a tool this host does not have."""

    code = "language_unavailable"

    def __init__(self, language_id: str, missing: Sequence[str], *, grpc: bool) -> None:
        what = f"gRPC for {language_id!r}" if grpc else f"language {language_id!r}"
        hints = "; ".join(
            f"{name} is not installed ({TOOL_SPECS[name].install})" for name in missing
        )
        super().__init__(
            f"{what} is not available on this server: {hints}",
            details={"language": language_id, "grpc": grpc, "missing": list(missing)},
        )


@dataclass(frozen=True)
class Manifest:
    """A package manifest the archive gets beside the generated files."""

    path: str
    content: bytes


@dataclass(frozen=True)
class Language:
    id: str
    title: str
    archive_name: str
    outputs: tuple[Output | DescriptorSetOutput, ...]
    grpc_supported: bool = False
    grpc_outputs: tuple[Output, ...] = ()
    manifest: Manifest | None = None

    @property
    def tools(self) -> tuple[str, ...]:
        """The plugins (besides protoc) that generating messages needs."""
        return tuple(o.plugin for o in self.outputs if o.plugin)

    @property
    def grpc_tools(self) -> tuple[str, ...]:
        """The plugins that gRPC needs on top of ``tools``."""
        return tuple(o.plugin for o in self.grpc_outputs if o.plugin)

    @property
    def needs_import_map(self) -> bool:
        return any(o.import_map for o in (*self.outputs, *self.grpc_outputs))

    def selected(self, *, grpc: bool) -> tuple[Output | DescriptorSetOutput, ...]:
        return (*self.outputs, *self.grpc_outputs) if grpc else self.outputs

    def output_args(
        self,
        out: Path,
        *,
        grpc: bool,
        toolchain: Toolchain,
        imports: Mapping[str, str] | None = None,
    ) -> list[str]:
        """protoc's output flags writing into ``out``; ``imports`` maps a file without a
        ``go_package`` to its Go import path. Every plugin must be in ``toolchain``."""
        return [
            arg
            for output in self.selected(grpc=grpc)
            for arg in output.args(out, toolchain, imports or {})
        ]


_TS_MANIFEST = Manifest(
    "package.json",
    b'{\n  "private": true,\n  "dependencies": {\n    "@bufbuild/protobuf": "^2.0.0"\n  }\n}\n',
)
_GO_OPTS = ("paths=source_relative",)

LANGUAGES: tuple[Language, ...] = (
    Language(
        "python",
        "Python",
        "python",
        (Output("python"), Output("pyi")),
        grpc_supported=True,
        grpc_outputs=(Output("grpc_python", "grpc_python_plugin"),),
    ),
    Language(
        "cpp",
        "C++",
        "cpp",
        (Output("cpp"),),
        grpc_supported=True,
        grpc_outputs=(Output("grpc_cpp", "grpc_cpp_plugin"),),
    ),
    Language(
        "java",
        "Java",
        "java",
        (Output("java"),),
        grpc_supported=True,
        grpc_outputs=(Output("grpc_java", "grpc_java_plugin"),),
    ),
    # protoc's Kotlin output is DSL and extensions over the Java classes: both are needed.
    Language(
        "kotlin",
        "Kotlin",
        "kotlin",
        (Output("java"), Output("kotlin")),
        grpc_supported=True,
        grpc_outputs=(
            Output("grpc_java", "grpc_java_plugin"),
            Output("grpc_kotlin", "protoc-gen-grpc-kotlin"),
        ),
    ),
    # In folders by namespace: flat output collides (google/api/http.proto and
    # google/rpc/http.proto both make Http.cs).
    Language(
        "csharp",
        "C#",
        "csharp",
        (Output("csharp", opts=("base_namespace=",)),),
        grpc_supported=True,
        grpc_outputs=(Output("grpc_csharp", "grpc_csharp_plugin", ("base_namespace=",)),),
    ),
    Language(
        "ruby",
        "Ruby",
        "ruby",
        (Output("ruby"), Output("rbs")),
        grpc_supported=True,
        grpc_outputs=(Output("grpc_ruby", "grpc_ruby_plugin"),),
    ),
    Language(
        "php",
        "PHP",
        "php",
        (Output("php"),),
        grpc_supported=True,
        grpc_outputs=(Output("grpc_php", "grpc_php_plugin"),),
    ),
    Language(
        "objc",
        "Objective-C",
        "objc",
        (Output("objc"),),
        grpc_supported=True,
        grpc_outputs=(Output("grpc_objc", "grpc_objective_c_plugin"),),
    ),
    Language(
        "go",
        "Go",
        "go",
        (Output("go", "protoc-gen-go", _GO_OPTS, import_map=True),),
        grpc_supported=True,
        grpc_outputs=(Output("go-grpc", "protoc-gen-go-grpc", _GO_OPTS, import_map=True),),
    ),
    # protoc-gen-es 2 writes service descriptors into the *_pb.ts files; Connect serves
    # and calls gRPC from those, so gRPC needs no other plugin.
    Language(
        "typescript",
        "TypeScript",
        "typescript",
        (Output("es", "protoc-gen-es", ("target=ts",)),),
        grpc_supported=True,
        manifest=_TS_MANIFEST,
    ),
    # The same generator's JavaScript (ES modules) with declarations: runs without a
    # TypeScript build, so it is what the npm SDK packages (``services/sdk/npm.py``).
    Language(
        "javascript",
        "JavaScript",
        "javascript",
        (Output("es", "protoc-gen-es", ("target=js+dts", "import_extension=js")),),
        grpc_supported=True,
    ),
    Language("descriptor_set", "FileDescriptorSet", "descriptor_set", (DescriptorSetOutput(),)),
)


@dataclass(frozen=True)
class LanguageStatus:
    id: str
    title: str
    available: bool
    grpc_supported: bool
    grpc_available: bool
    missing: list[str] = field(default_factory=list)
    grpc_missing: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)


class LanguageRegistry:
    """The languages, checked against the tools this host has."""

    def __init__(self, toolchain: Toolchain, languages: Sequence[Language] = LANGUAGES) -> None:
        self.toolchain = toolchain
        self._languages = {language.id: language for language in languages}

    def all(self) -> list[LanguageStatus]:
        """Every language, whether it can be generated here, and with which tools."""
        return [self._status(language) for language in self._languages.values()]

    def get(self, language_id: str, *, grpc: bool = False) -> Language:
        """The language, if this host can generate it (with gRPC when ``grpc``).

        Raises ``UnknownLanguage``, ``LanguageUnavailable`` (a tool is missing) or
        ``InvalidArgument`` (gRPC asked of a language that has none).
        """
        language = self._languages.get(language_id)
        if language is None:
            raise UnknownLanguage(language_id, list(self._languages))
        if missing := self._missing(language.tools):
            raise LanguageUnavailable(language_id, missing, grpc=False)
        if grpc and not language.grpc_supported:
            raise InvalidArgument(
                f"language {language_id!r} has no gRPC code generation",
                details={"language": language_id, "grpc": True},
            )
        if grpc and (missing := self._missing(language.grpc_tools)):
            raise LanguageUnavailable(language_id, missing, grpc=True)
        return language

    def fingerprint(self, language_id: str, *, grpc: bool) -> str:
        """A stable description of what generating ``language_id`` runs here: protoc's
        flags (no paths) and the version of every tool involved; part of a cache key."""
        language = self.get(language_id, grpc=grpc)
        tools = [
            self.toolchain.protoc,
            *(
                self.toolchain.plugins[name]
                for name in sorted({*language.tools, *(language.grpc_tools if grpc else ())})
            ),
        ]
        return " | ".join(
            [
                _CODEGEN_REVISION,
                f"{language.id} grpc={int(grpc)}",
                *(output.describe() for output in language.selected(grpc=grpc)),
                *(tool.describe() for tool in tools),
            ]
        )

    def _missing(self, tools: Sequence[str]) -> list[str]:
        return [name for name in tools if not self.toolchain.has(name)]

    def _status(self, language: Language) -> LanguageStatus:
        missing = self._missing(language.tools)
        grpc_missing = self._missing(language.grpc_tools) if language.grpc_supported else []
        versions = {"protoc": self.toolchain.protoc.version}
        for name in (*language.tools, *language.grpc_tools):
            if (tool := self.toolchain.tool(name)) is not None:
                versions[name] = tool.version
        return LanguageStatus(
            id=language.id,
            title=language.title,
            available=not missing,
            grpc_supported=language.grpc_supported,
            grpc_available=language.grpc_supported and not missing and not grpc_missing,
            missing=missing,
            grpc_missing=grpc_missing,
            versions=versions,
        )


def go_import_paths(roots: Sequence[Mapping[str, bytes]]) -> dict[str, str]:
    """An import path for every file without a ``go_package``: its folder (``acme/pay/v1``),
    or its name without ``.proto`` at the top level. protoc-gen-go refuses such files
    otherwise, and googleapis has one (``google/cloud/common_resources.proto``)."""
    return {
        path: posixpath.dirname(path) or path.removesuffix(".proto")
        for root in roots
        for path, data in root.items()
        # A name that cannot be one plugin parameter (a ',' or '=' in it) is left without
        # a mapping; so is one with ';', which Go reads as "import path;package name".
        if path.endswith(".proto")
        and plugin_parameter_safe(f"M{path}")
        and ";" not in path
        and not _has_go_package(data)
    }


def _has_go_package(source: bytes) -> bool:
    # Comments out first; a "//" inside a string cuts only what follows the option's name.
    text = _COMMENT.sub(b"", source)
    return _GO_PACKAGE.search(text) is not None


async def generate(
    protoc: Protoc,
    registry: LanguageRegistry,
    language_id: str,
    *,
    grpc: bool,
    roots: Sequence[Mapping[str, bytes]],
    targets: Sequence[str] | None = None,
    imports: Mapping[str, str] | None = None,
) -> dict[str, bytes]:
    """Generate ``language_id`` code for ``targets`` (default: every ``.proto`` of
    ``roots[0]``, the module's own files); the other roots (its dependencies) are only on
    the import path. Well-known types are never generated. Returns the files by path.
    ``imports`` maps files to Go import paths for languages with an import map, over
    their ``go_package`` (and over ``go_import_paths``'s defaults).

    Raises what ``LanguageRegistry.get`` raises, ``InvalidArgument`` when a target is not
    in ``roots[0]`` or nothing is left to generate, and ``CompileFailed``.
    """
    language = registry.get(language_id, grpc=grpc)
    if protoc.executable.resolve() != registry.toolchain.protoc.path.resolve():
        # The cache key names the toolchain's protoc: generating with another would lie.
        raise ValueError(f"{protoc.executable} is not the toolchain's protoc")
    if not roots:
        raise InvalidArgument("nothing to generate: no files")
    own = roots[0]
    wanted = sorted(p for p in own if p.endswith(".proto")) if targets is None else targets
    chosen = [path for path in wanted if not path.startswith(_WELL_KNOWN_PREFIX)]
    if outside := [path for path in chosen if path not in own]:
        raise InvalidArgument(
            f"{len(outside)} target(s) are not files of the module: {outside[0]}",
            details={"targets": outside},
        )
    if not chosen:
        raise InvalidArgument("nothing to generate: no .proto files besides well-known types")
    mapped = {**go_import_paths(roots), **(imports or {})} if language.needs_import_map else {}
    return await protoc.generate(
        roots,
        chosen,
        lambda out: language.output_args(
            out, grpc=grpc, toolchain=registry.toolchain, imports=mapped
        ),
    )
