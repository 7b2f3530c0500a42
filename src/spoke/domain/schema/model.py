"""A module's compiled schema: the files protoc described, indexed by name, with their
source locations; the module's own files (targets) apart from their imports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from google.protobuf import descriptor_pb2
from google.protobuf.descriptor_pb2 import FileDescriptorProto as FileDescriptor

from spoke.domain.schema.findings import Span


class Schema:
    """Parsed from a serialized ``FileDescriptorSet`` (protoc ``--include_imports
    --include_source_info``). ``targets`` are the module's own files; the rest are
    imports (dependencies, well-known types), which checks look up but do not judge."""

    def __init__(
        self,
        descriptor_set: bytes,
        targets: Iterable[str] | None = None,
        sources: Mapping[str, bytes] | None = None,
    ) -> None:
        parsed = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set)
        self.files: dict[str, FileDescriptor] = {f.name: f for f in parsed.file}
        names = set(self.files) if targets is None else set(targets)
        unknown = names - set(self.files)
        if unknown:
            raise ValueError(f"targets not in the descriptor set: {sorted(unknown)}")
        self.targets: list[str] = sorted(names)
        #: The files' text, when known: some spans buf reports are wider than protoc's.
        self.sources: dict[str, list[str]] = {
            name: data.decode("utf-8", "replace").split("\n")
            for name, data in (sources or {}).items()
        }
        self._locations: dict[str, dict[tuple[int, ...], descriptor_pb2.SourceCodeInfo.Location]]
        self._locations = {}

    def target_files(self) -> list[FileDescriptor]:
        return [self.files[name] for name in self.targets]

    def location(
        self, file: str, path: Sequence[int]
    ) -> descriptor_pb2.SourceCodeInfo.Location | None:
        """The source location of the element at descriptor ``path`` in ``file``."""
        index = self._locations.get(file)
        if index is None:
            index = {}
            for location in self.files[file].source_code_info.location:
                # The first location of a path is the element itself (later ones are
                # e.g. repeated-field spans); keep it.
                index.setdefault(tuple(location.path), location)
            self._locations[file] = index
        return index.get(tuple(path))

    def span(self, file: str, path: Sequence[int]) -> Span | None:
        location = self.location(file, path)
        return None if location is None else Span.of(location.span)

    def span_from_keyword(self, file: str, path: Sequence[int], keyword: str) -> Span | None:
        """The span of ``path`` widened to start at ``keyword = `` just before it (protoc
        records an option's value, buf the whole ``name = value``)."""
        span = self.span(file, path)
        lines = self.sources.get(file)
        if span is None or lines is None or span.start_line > len(lines):
            return span
        before = lines[span.start_line - 1][: span.start_column - 1].rstrip()
        if before.endswith("="):
            before = before[:-1].rstrip()
            if before.endswith(keyword):
                start = len(before) - len(keyword) + 1
                return Span(span.start_line, start, span.end_line, span.end_column)
        return span
