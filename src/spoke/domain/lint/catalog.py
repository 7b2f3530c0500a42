"""The lint rules buf v2 knows: IDs, categories and purposes (data only; the checks live
in :mod:`spoke.domain.lint.rules`). The order is buf's ``buf config ls-lint-rules``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from spoke.domain.lint import legacy_rules as legacy

MINIMAL = "MINIMAL"
BASIC = "BASIC"
STANDARD = "STANDARD"
COMMENTS = "COMMENTS"
UNARY_RPC = "UNARY_RPC"

CATEGORIES = (MINIMAL, BASIC, STANDARD, COMMENTS, UNARY_RPC)
# buf v2 still accepts its old name for STANDARD, with a deprecation warning.
CATEGORY_ALIASES = {"DEFAULT": STANDARD}

_MIN = (MINIMAL, BASIC, STANDARD)
_BASIC = (BASIC, STANDARD)
_STD = (STANDARD,)


@dataclass(frozen=True)
class RuleInfo:
    """One rule: its buf ID, the categories it belongs to, and what it checks."""

    id: str
    categories: tuple[str, ...]
    purpose: str
    deprecated: bool = False


def _same(option: str) -> str:
    return (
        f"Checks that all files with a given package have the same value for the {option} option."
    )


def _comment(kind: str) -> str:
    return f"Checks that {kind} have non-empty comments."


RULE_INFOS: tuple[RuleInfo, ...] = (
    RuleInfo(
        "DIRECTORY_SAME_PACKAGE",
        _MIN,
        "Checks that all files in a given directory are in the same package.",
    ),
    RuleInfo("PACKAGE_DEFINED", _MIN, "Checks that all files have a package defined."),
    RuleInfo(
        "PACKAGE_DIRECTORY_MATCH",
        _MIN,
        "Checks that all files are in a directory that matches their package name.",
    ),
    RuleInfo("PACKAGE_NO_IMPORT_CYCLE", _MIN, "Checks that packages do not have import cycles."),
    RuleInfo(
        "PACKAGE_SAME_DIRECTORY",
        _MIN,
        "Checks that all files with a given package are in the same directory.",
    ),
    RuleInfo(
        "ENUM_FIRST_VALUE_ZERO",
        _BASIC,
        "Checks that all first values of enums have a numeric value of 0.",
    ),
    RuleInfo(
        "ENUM_NO_ALLOW_ALIAS",
        _BASIC,
        "Checks that enums do not have the allow_alias option set.",
    ),
    RuleInfo("ENUM_PASCAL_CASE", _BASIC, "Checks that enums are PascalCase."),
    RuleInfo(
        "ENUM_VALUE_UPPER_SNAKE_CASE", _BASIC, "Checks that enum values are UPPER_SNAKE_CASE."
    ),
    RuleInfo("FIELD_LOWER_SNAKE_CASE", _BASIC, "Checks that field names are lower_snake_case."),
    RuleInfo("FIELD_NOT_REQUIRED", _BASIC, "Checks that fields are not configured to be required."),
    RuleInfo("IMPORT_NO_PUBLIC", _BASIC, "Checks that imports are not public."),
    RuleInfo("IMPORT_USED", _BASIC, "Checks that imports are used."),
    RuleInfo("MESSAGE_PASCAL_CASE", _BASIC, "Checks that messages are PascalCase."),
    RuleInfo("ONEOF_LOWER_SNAKE_CASE", _BASIC, "Checks that oneof names are lower_snake_case."),
    RuleInfo("PACKAGE_LOWER_SNAKE_CASE", _BASIC, "Checks that packages are lower_snake.case."),
    RuleInfo("PACKAGE_SAME_CSHARP_NAMESPACE", _BASIC, _same("csharp_namespace")),
    RuleInfo("PACKAGE_SAME_GO_PACKAGE", _BASIC, _same("go_package")),
    RuleInfo("PACKAGE_SAME_JAVA_MULTIPLE_FILES", _BASIC, _same("java_multiple_files")),
    RuleInfo("PACKAGE_SAME_JAVA_PACKAGE", _BASIC, _same("java_package")),
    RuleInfo("PACKAGE_SAME_PHP_NAMESPACE", _BASIC, _same("php_namespace")),
    RuleInfo("PACKAGE_SAME_RUBY_PACKAGE", _BASIC, _same("ruby_package")),
    RuleInfo("PACKAGE_SAME_SWIFT_PREFIX", _BASIC, _same("swift_prefix")),
    RuleInfo("RPC_PASCAL_CASE", _BASIC, "Checks that RPCs are PascalCase."),
    RuleInfo("SERVICE_PASCAL_CASE", _BASIC, "Checks that services are PascalCase."),
    RuleInfo("SYNTAX_SPECIFIED", _BASIC, "Checks that all files have a syntax specified."),
    RuleInfo(
        "ENUM_VALUE_PREFIX",
        _STD,
        "Checks that enum values are prefixed with ENUM_NAME_UPPER_SNAKE_CASE.",
    ),
    RuleInfo(
        "ENUM_ZERO_VALUE_SUFFIX",
        _STD,
        "Checks that enum zero values have a consistent suffix (configurable, default "
        'suffix is "_UNSPECIFIED").',
    ),
    RuleInfo("FILE_LOWER_SNAKE_CASE", _STD, "Checks that filenames are lower_snake_case."),
    RuleInfo(
        "PACKAGE_VERSION_SUFFIX",
        _STD,
        "Checks that the last component of all packages is a version of the form v\\d+, "
        "v\\d+test.*, v\\d+(alpha|beta)\\d+, or v\\d+p\\d+(alpha|beta)\\d+, where numbers "
        "are >=1.",
    ),
    RuleInfo(
        "PROTOVALIDATE",
        _STD,
        "Checks that protovalidate rules are valid and all CEL expressions compile.",
    ),
    RuleInfo(
        "RPC_REQUEST_RESPONSE_UNIQUE",
        _STD,
        "Checks that RPC request and response types are only used in one RPC (configurable).",
    ),
    RuleInfo(
        "RPC_REQUEST_STANDARD_NAME",
        _STD,
        "Checks that RPC request type names are RPCNameRequest or ServiceNameRPCNameRequest "
        "(configurable).",
    ),
    RuleInfo(
        "RPC_RESPONSE_STANDARD_NAME",
        _STD,
        "Checks that RPC response type names are RPCNameResponse or "
        "ServiceNameRPCNameResponse (configurable).",
    ),
    RuleInfo(
        "SERVICE_SUFFIX",
        _STD,
        "Checks that services have a consistent suffix (configurable, default suffix is "
        '"Service").',
    ),
    RuleInfo("COMMENT_ENUM", (COMMENTS,), _comment("enums")),
    RuleInfo("COMMENT_ENUM_VALUE", (COMMENTS,), _comment("enum values")),
    RuleInfo("COMMENT_FIELD", (COMMENTS,), _comment("fields")),
    RuleInfo("COMMENT_MESSAGE", (COMMENTS,), _comment("messages")),
    RuleInfo("COMMENT_ONEOF", (COMMENTS,), _comment("oneofs")),
    RuleInfo("COMMENT_RPC", (COMMENTS,), _comment("RPCs")),
    RuleInfo("COMMENT_SERVICE", (COMMENTS,), _comment("services")),
    RuleInfo("RPC_NO_CLIENT_STREAMING", (UNARY_RPC,), "Checks that RPCs are not client streaming."),
    RuleInfo("RPC_NO_SERVER_STREAMING", (UNARY_RPC,), "Checks that RPCs are not server streaming."),
    RuleInfo(
        "STABLE_PACKAGE_NO_IMPORT_UNSTABLE",
        (),
        "Checks that all files that have stable versioned packages do not import packages "
        "with unstable version packages.",
    ),
    # Deprecated by buf and reports nothing there any more; accepted so configs that
    # name it stay valid.
    RuleInfo("IMPORT_NO_WEAK", (), "Checks that imports are not weak.", deprecated=True),
)

RULE_IDS: tuple[str, ...] = tuple(info.id for info in RULE_INFOS)
_BY_ID = {info.id: info for info in RULE_INFOS}


#: Rules only older buf.yaml versions know (v1beta1's FIELD_NO_DESCRIPTOR).
LEGACY_ONLY_RULE_IDS: tuple[str, ...] = ("FIELD_NO_DESCRIPTOR",)

#: buf.yaml versions, each with its rules' categories and its default rules (buf 1.75).
VERSIONS = ("v1beta1", "v1", "v2")
_V2_RULES = {info.id: info.categories for info in RULE_INFOS}
_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "v2": _V2_RULES,
    "v1": {**legacy.V1_RULES, **dict.fromkeys(legacy.V1_DEPRECATED, ())},
    "v1beta1": {**legacy.V1BETA1_RULES, **dict.fromkeys(legacy.V1BETA1_DEPRECATED, ())},
}
_DEFAULTS = {
    "v2": frozenset(r for r, cats in _V2_RULES.items() if STANDARD in cats),
    "v1": legacy.V1_DEFAULTS,
    "v1beta1": legacy.V1BETA1_DEFAULTS,
}


def _categories(version: str) -> set[str]:
    return {c for cats in _RULES[version].values() for c in cats}


def is_known(name: str, version: str = "v2") -> bool:
    """Whether ``name`` is a rule ID or a category (aliases included) of ``version``."""
    if version == "v2":
        return name in _BY_ID or name in CATEGORIES or name in CATEGORY_ALIASES
    return name in _RULES[version] or name in _categories(version)


def defaults(version: str = "v2") -> frozenset[str]:
    """The rules buf runs when ``use`` is empty."""
    return _DEFAULTS[version]


def expand(names: Iterable[str], version: str = "v2") -> set[str]:
    """The rule IDs that rule IDs and categories name (every name must be known)."""
    rules = _RULES[version]
    found: set[str] = set()
    for name in names:
        category = CATEGORY_ALIASES.get(name, name) if version == "v2" else name
        if name in rules:
            found.add(name)
        else:
            found.update(rule for rule, cats in rules.items() if category in cats)
    return found


def in_group(rule_id: str, name: str, version: str = "v2") -> bool:
    """Whether the rule ID or category ``name`` covers ``rule_id``."""
    category = CATEGORY_ALIASES.get(name, name) if version == "v2" else name
    return rule_id == name or category in _RULES[version].get(rule_id, ())
