"""Lint configuration with the semantics of a buf.yaml's ``lint:`` section: v2 by default,
or v1 / v1beta1 when the section carries ``version`` (the CLI copies it from the file).
Each version has buf 1.75's rule IDs, categories and defaults for it; v1 and v1beta1
read ``allow_comment_ignores`` (comment ignores are off unless it is true) where v2 reads
``disallow_comment_ignores``.

:func:`parse_lint_config` reads the mapping (as YAML or JSON decodes it) and rejects
what buf rejects: unknown keys, unknown rule IDs or categories, values of the wrong type
and paths outside the module. Like buf, empty ``use`` means STANDARD and empty suffixes
mean the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from spoke.domain.errors import InvalidArgument
from spoke.domain.lint import catalog

DEFAULT_ENUM_ZERO_VALUE_SUFFIX = "_UNSPECIFIED"
DEFAULT_SERVICE_SUFFIX = "Service"


class InvalidLintConfig(InvalidArgument, ValueError):
    """A ``lint:`` section buf would refuse. A ValueError too, for plain callers."""

    code = "invalid_lint_config"


def normalize_path(path: str) -> str:
    """A module-relative path in canonical form (``a//b/./c/`` -> ``a/b/c``; ``""`` and
    ``.`` mean the whole module). Absolute paths and ones that leave the module fail."""
    if path.startswith("/"):
        raise InvalidLintConfig(f"invalid path {path!r}: expected to be relative")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise InvalidLintConfig(f"invalid path {path!r}: is outside the module")
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts) or "."


def path_matches(file: str, path: str) -> bool:
    """Whether ``file`` is ``path`` or lies under the directory ``path``."""
    return path == "." or file == path or file.startswith(path + "/")


def _check_names(names: tuple[str, ...], key: str, version: str) -> None:
    for name in names:
        if not catalog.is_known(name, version):
            raise InvalidLintConfig(f"lint.{key}: {name!r} is not a known rule or category ID")


@dataclass(frozen=True)
class LintConfig:
    """Which rules run and how (buf.yaml v2 ``lint:``). Build it with
    :func:`parse_lint_config` from a mapping, or directly; both validate.

    ``except_`` is buf's ``except``. ``ignore`` and ``ignore_only`` paths are relative to
    the module root: a file, or a directory and everything under it.
    """

    use: tuple[str, ...] = (catalog.STANDARD,)
    except_: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    ignore_only: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    enum_zero_value_suffix: str = DEFAULT_ENUM_ZERO_VALUE_SUFFIX
    rpc_allow_same_request_response: bool = False
    rpc_allow_google_protobuf_empty_requests: bool = False
    rpc_allow_google_protobuf_empty_responses: bool = False
    service_suffix: str = DEFAULT_SERVICE_SUFFIX
    disallow_comment_ignores: bool = False
    disable_builtin: bool = False
    #: The buf.yaml version whose rules, categories and defaults apply.
    version: str = "v2"

    def __post_init__(self) -> None:
        if self.version not in catalog.VERSIONS:
            raise InvalidLintConfig(
                f"lint: version {self.version!r} is not one of {', '.join(catalog.VERSIONS)}"
            )
        _check_names(self.use, "use", self.version)
        _check_names(self.except_, "except", self.version)
        _check_names(tuple(self.ignore_only), "ignore_only", self.version)
        # Canonical paths, so matching is a plain prefix test.
        object.__setattr__(self, "ignore", tuple(normalize_path(p) for p in self.ignore))
        only = {
            key: tuple(normalize_path(p) for p in paths) for key, paths in self.ignore_only.items()
        }
        if any("." in paths for paths in only.values()):
            # buf refuses this one (``ignore: [.]`` is fine, and ignores everything).
            raise InvalidLintConfig('lint.ignore_only: cannot specify "." as an ignore path')
        object.__setattr__(self, "ignore_only", MappingProxyType(only))

    def rule_ids(self) -> list[str]:
        """The selected rules, in buf's order: ``use`` (STANDARD when empty) less
        ``except``; none when ``disable_builtin``."""
        if self.disable_builtin:
            return []
        version = self.version
        chosen = catalog.expand(self.use, version) if self.use else set(catalog.defaults(version))
        chosen -= catalog.expand(self.except_, version)
        ordered = (*catalog.RULE_IDS, *catalog.LEGACY_ONLY_RULE_IDS)
        return [rule_id for rule_id in ordered if rule_id in chosen]

    def ignores(self, rule_id: str, file: str) -> bool:
        """Whether ``ignore`` or ``ignore_only`` drops ``rule_id``'s findings in ``file``."""
        if any(path_matches(file, path) for path in self.ignore):
            return True
        return any(
            catalog.in_group(rule_id, name, self.version)
            and any(path_matches(file, p) for p in paths)
            for name, paths in self.ignore_only.items()
        )


_STRING_KEYS = ("enum_zero_value_suffix", "service_suffix")
_BOOL_KEYS = (
    "rpc_allow_same_request_response",
    "rpc_allow_google_protobuf_empty_requests",
    "rpc_allow_google_protobuf_empty_responses",
    "disallow_comment_ignores",
    "disable_builtin",
)
_LIST_KEYS = ("use", "except", "ignore")
KNOWN_KEYS = frozenset((*_LIST_KEYS, "ignore_only", *_STRING_KEYS, *_BOOL_KEYS))
#: v1 and v1beta1: ``allow_comment_ignores`` instead of v2's two last boolean keys.
_V1_BOOL_KEYS = (*_BOOL_KEYS[:3], "allow_comment_ignores")
V1_KNOWN_KEYS = frozenset((*_LIST_KEYS, "ignore_only", *_STRING_KEYS, *_V1_BOOL_KEYS))


def _strings(value: Any, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidLintConfig(f"lint.{key}: expected a list of strings")
    return tuple(value)


def parse_lint_config(section: Mapping[str, Any] | None) -> LintConfig:
    """A :class:`LintConfig` from buf.yaml v2's ``lint:`` mapping (``None`` or ``{}``
    for buf's defaults). Raises :class:`InvalidLintConfig` (a ValueError) on unknown
    keys, unknown rule IDs or categories, wrongly typed values or bad paths."""
    if section is None:
        return LintConfig()
    if not isinstance(section, Mapping):
        raise InvalidLintConfig("lint: expected a mapping")
    section = dict(section)
    version = section.pop("version", "v2")
    if not isinstance(version, str) or version not in catalog.VERSIONS:
        raise InvalidLintConfig(
            f"lint: version {version!r} is not one of {', '.join(catalog.VERSIONS)}"
        )
    known, bool_keys = (
        (KNOWN_KEYS, _BOOL_KEYS) if version == "v2" else (V1_KNOWN_KEYS, _V1_BOOL_KEYS)
    )
    unknown = sorted(str(key) for key in section if key not in known)
    if unknown:
        raise InvalidLintConfig(
            f"lint: unknown key(s) {', '.join(unknown)} in a {version} buf.yaml; expected "
            f"some of {', '.join(sorted(known))}"
        )
    options: dict[str, Any] = {}
    for key in _STRING_KEYS:
        value = section.get(key)
        if value is not None and not isinstance(value, str):
            raise InvalidLintConfig(f"lint.{key}: expected a string")
        if value:  # buf reads an empty suffix as "use the default"
            options[key] = value
    for key in bool_keys:
        value = section.get(key)
        if value is not None and not isinstance(value, bool):
            raise InvalidLintConfig(f"lint.{key}: expected true or false")
        options[key] = bool(value)
    if version != "v2":  # v1: comment ignores are off unless allowed
        options["disallow_comment_ignores"] = not options.pop("allow_comment_ignores")
    only = section.get("ignore_only")
    if only is not None and not isinstance(only, Mapping):
        raise InvalidLintConfig("lint.ignore_only: expected a mapping of rule IDs to paths")
    return LintConfig(
        use=_strings(section.get("use"), "use"),
        except_=_strings(section.get("except"), "except"),
        ignore=_strings(section.get("ignore"), "ignore"),
        ignore_only={
            str(name): _strings(paths, f"ignore_only.{name}")
            for name, paths in (only or {}).items()
        },
        version=version,
        **options,
    )
