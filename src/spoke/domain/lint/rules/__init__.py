"""The checks behind each lint rule ID, grouped by subject in this package's modules."""

from __future__ import annotations

from types import MappingProxyType

from spoke.domain.lint import catalog
from spoke.domain.lint.context import Check
from spoke.domain.lint.rules import comments, imports, layout, naming, rpcs, values

_CHECKS: dict[str, Check] = {
    "DIRECTORY_SAME_PACKAGE": layout.directory_same_package,
    "PACKAGE_DEFINED": layout.package_defined,
    "PACKAGE_DIRECTORY_MATCH": layout.package_directory_match,
    "PACKAGE_NO_IMPORT_CYCLE": imports.package_no_import_cycle,
    "PACKAGE_SAME_DIRECTORY": layout.package_same_directory,
    "ENUM_FIRST_VALUE_ZERO": values.enum_first_value_zero,
    "ENUM_NO_ALLOW_ALIAS": values.enum_no_allow_alias,
    "ENUM_PASCAL_CASE": naming.enum_pascal_case,
    "ENUM_VALUE_UPPER_SNAKE_CASE": naming.enum_value_upper_snake_case,
    "FIELD_LOWER_SNAKE_CASE": naming.field_lower_snake_case,
    "FIELD_NOT_REQUIRED": values.field_not_required,
    "IMPORT_NO_PUBLIC": imports.import_no_public,
    "IMPORT_USED": imports.import_used,
    "MESSAGE_PASCAL_CASE": naming.message_pascal_case,
    "ONEOF_LOWER_SNAKE_CASE": naming.oneof_lower_snake_case,
    "PACKAGE_LOWER_SNAKE_CASE": naming.package_lower_snake_case,
    "PACKAGE_SAME_CSHARP_NAMESPACE": layout.package_same_csharp_namespace,
    "PACKAGE_SAME_GO_PACKAGE": layout.package_same_go_package,
    "PACKAGE_SAME_JAVA_MULTIPLE_FILES": layout.package_same_java_multiple_files,
    "PACKAGE_SAME_JAVA_PACKAGE": layout.package_same_java_package,
    "PACKAGE_SAME_PHP_NAMESPACE": layout.package_same_php_namespace,
    "PACKAGE_SAME_RUBY_PACKAGE": layout.package_same_ruby_package,
    "PACKAGE_SAME_SWIFT_PREFIX": layout.package_same_swift_prefix,
    "RPC_PASCAL_CASE": naming.rpc_pascal_case,
    "SERVICE_PASCAL_CASE": naming.service_pascal_case,
    "SYNTAX_SPECIFIED": layout.syntax_specified,
    "ENUM_VALUE_PREFIX": naming.enum_value_prefix,
    "ENUM_ZERO_VALUE_SUFFIX": naming.enum_zero_value_suffix,
    "FILE_LOWER_SNAKE_CASE": naming.file_lower_snake_case,
    "PACKAGE_VERSION_SUFFIX": naming.package_version_suffix,
    "PROTOVALIDATE": values.protovalidate,
    "RPC_REQUEST_RESPONSE_UNIQUE": rpcs.rpc_request_response_unique,
    "RPC_REQUEST_STANDARD_NAME": rpcs.rpc_request_standard_name,
    "RPC_RESPONSE_STANDARD_NAME": rpcs.rpc_response_standard_name,
    "SERVICE_SUFFIX": naming.service_suffix,
    "COMMENT_ENUM": comments.comment_enum,
    "COMMENT_ENUM_VALUE": comments.comment_enum_value,
    "COMMENT_FIELD": comments.comment_field,
    "COMMENT_MESSAGE": comments.comment_message,
    "COMMENT_ONEOF": comments.comment_oneof,
    "COMMENT_RPC": comments.comment_rpc,
    "COMMENT_SERVICE": comments.comment_service,
    "RPC_NO_CLIENT_STREAMING": rpcs.rpc_no_client_streaming,
    "RPC_NO_SERVER_STREAMING": rpcs.rpc_no_server_streaming,
    "STABLE_PACKAGE_NO_IMPORT_UNSTABLE": imports.stable_package_no_import_unstable,
    "IMPORT_NO_WEAK": values.import_no_weak,
    "FIELD_NO_DESCRIPTOR": naming.field_no_descriptor,
}

if set(_CHECKS) != {
    *catalog.RULE_IDS,
    *catalog.LEGACY_ONLY_RULE_IDS,
}:  # pragma: no cover - a wiring mistake
    raise RuntimeError("every catalogued lint rule needs exactly one check")

CHECKS = MappingProxyType(_CHECKS)
"""The check of every rule ID in :mod:`spoke.domain.lint.catalog`."""
