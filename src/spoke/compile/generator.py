"""``Generator`` on protoc and the language registry, and the worker's default languages."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import structlog

from spoke.compile import LanguageInfo
from spoke.compile.languages import LanguageRegistry, UnknownLanguage, generate
from spoke.compile.protoc import Protoc
from spoke.compile.toolchain import Toolchain, detect_toolchain
from spoke.config import Settings

log = structlog.get_logger(__name__)


class ProtocGenerator:
    """Implements ``spoke.compile.Generator``."""

    def __init__(
        self, protoc: Protoc, registry: LanguageRegistry, defaults: Sequence[tuple[str, bool]]
    ) -> None:
        self._protoc = protoc
        self._registry = registry
        self._defaults = list(defaults)

    def languages(self) -> list[LanguageInfo]:
        return [
            LanguageInfo(
                id=status.id,
                title=status.title,
                available=status.available,
                grpc_available=status.grpc_available,
                tools=status.versions,
                missing=[*status.missing, *status.grpc_missing],
            )
            for status in self._registry.all()
        ]

    def check(self, language: str, grpc: bool) -> None:
        self._registry.get(language, grpc=grpc)

    def fingerprint(self, language: str, grpc: bool) -> str:
        return self._registry.fingerprint(language, grpc=grpc)

    def defaults(self) -> list[tuple[str, bool]]:
        return list(self._defaults)

    async def generate(
        self,
        language: str,
        *,
        grpc: bool,
        roots: Sequence[Mapping[str, bytes]],
        targets: Sequence[str],
        imports: Mapping[str, str] | None = None,
    ) -> dict[str, bytes]:
        return await generate(
            self._protoc,
            self._registry,
            language,
            grpc=grpc,
            roots=roots,
            targets=targets,
            imports=imports,
        )


def default_languages(
    registry: LanguageRegistry, wanted: str, *, grpc: bool
) -> list[tuple[str, bool]]:
    """``SPOKE_SPROCKET_LANGUAGES``: "all" (every available language), "none", or a list.
    A listed language that is unknown is an error; one that is not installed is skipped
    with a warning, so one missing plugin does not stop the worker."""
    statuses = {status.id: status for status in registry.all()}
    text = wanted.strip().lower()
    if text in ("", "none"):
        return []
    ids = list(statuses) if text == "all" else [part.strip() for part in text.split(",")]
    chosen = []
    for language in ids:
        status = statuses.get(language)
        if status is None:
            raise UnknownLanguage(language, list(statuses))
        if not status.available:
            if text != "all":
                log.warning("language not installed; not compiled", language=language)
            continue
        chosen.append((language, grpc and status.grpc_available))
    return chosen


# Tool detection runs a dozen processes (--version, dpkg-query): once per process and
# protoc is enough, however many apps the process builds (tests build hundreds).
_detected: dict[tuple[str, str], Toolchain] = {}


async def build_generator(protoc: Protoc, settings: Settings) -> ProtocGenerator:
    """Detect the toolchain (once, at start-up) and log what can be generated."""
    memo = (str(protoc.executable), os.environ.get("PATH", ""))
    if memo not in _detected:
        _detected[memo] = await detect_toolchain(protoc.executable)
    registry = LanguageRegistry(_detected[memo])
    defaults = default_languages(registry, settings.sprocket_languages, grpc=settings.sprocket_grpc)
    available = [s.id for s in registry.all() if s.available]
    log.info("code generation", available=available, compiled_on_push=[d[0] for d in defaults])
    return ProtocGenerator(protoc, registry, defaults)
