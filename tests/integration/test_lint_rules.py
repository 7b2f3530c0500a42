"""One small module per lint rule, compiled by protoc and linted with that rule alone.
The expected findings (in buf's text format, ``path:line:column:message``) are the ones
``buf lint`` 1.75 printed for the same files: a readable catalogue of the rules.
test_lint_vs_buf.py compares with buf itself, corners and all.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from spoke.domain.lint import lint, parse_lint_config
from spoke.domain.lint.catalog import RULE_IDS
from tests.buf_reference import compile_tree

# A module is a text of files, each introduced by an "== path" line.
CASES: dict[str, tuple[str, list[str]]] = {
    "DIRECTORY_SAME_PACKAGE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        == acme/v1/b.proto
        syntax = "proto3";
        package other.v1;
        """,
        [
            (
                'acme/v1/a.proto:2:1:Multiple packages "acme.v1,other.v1" detected within '
                'directory "acme/v1".'
            ),
            (
                'acme/v1/b.proto:2:1:Multiple packages "acme.v1,other.v1" detected within '
                'directory "acme/v1".'
            ),
        ],
    ),
    "PACKAGE_DEFINED": (
        """
        == a.proto
        syntax = "proto3";
        message A {}
        """,
        ["a.proto:1:1:Files must have a package defined."],
    ),
    "PACKAGE_DIRECTORY_MATCH": (
        """
        == acme/a.proto
        syntax = "proto3";
        package acme.v1;
        """,
        [
            (
                'acme/a.proto:2:1:Files with package "acme.v1" must be within a directory '
                '"acme/v1" relative to root but were in directory "acme".'
            )
        ],
    ),
    "PACKAGE_NO_IMPORT_CYCLE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        import "beta/v1/b.proto";
        == beta/v1/b.proto
        syntax = "proto3";
        package beta.v1;
        import "acme/v1/c.proto";
        == acme/v1/c.proto
        syntax = "proto3";
        package acme.v1;
        """,
        [
            "acme/v1/a.proto:3:1:Package import cycle: acme.v1 -> beta.v1 -> acme.v1",
            "beta/v1/b.proto:3:1:Package import cycle: beta.v1 -> acme.v1 -> beta.v1",
        ],
    ),
    "PACKAGE_SAME_DIRECTORY": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        == other/b.proto
        syntax = "proto3";
        package acme.v1;
        """,
        [
            (
                'acme/v1/a.proto:2:1:Multiple directories "acme/v1,other" contain files with '
                'package "acme.v1".'
            ),
            (
                'other/b.proto:2:1:Multiple directories "acme/v1,other" contain files with '
                'package "acme.v1".'
            ),
        ],
    ),
    "ENUM_FIRST_VALUE_ZERO": (
        """
        == acme/v1/a.proto
        syntax = "proto2";
        package acme.v1;
        enum Size {
          SIZE_SMALL = 1;
          SIZE_UNSPECIFIED = 0;
        }
        """,
        ['acme/v1/a.proto:4:16:First enum value "SIZE_SMALL" should have a numeric value of 0'],
    ),
    "ENUM_NO_ALLOW_ALIAS": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        enum Size {
          option allow_alias = true;
          SIZE_UNSPECIFIED = 0;
          SIZE_NONE = 0;
        }
        """,
        ['acme/v1/a.proto:4:3:Enum option "allow_alias" on enum "Size" must be false.'],
    ),
    "ENUM_PASCAL_CASE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        enum shoe_size {
          SHOE_SIZE_UNSPECIFIED = 0;
        }
        """,
        ['acme/v1/a.proto:3:6:Enum name "shoe_size" should be PascalCase, such as "ShoeSize".'],
    ),
    "ENUM_VALUE_UPPER_SNAKE_CASE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        enum Size {
          SIZE_UNSPECIFIED = 0;
          SIZE_extraLarge = 1;
        }
        """,
        [
            (
                'acme/v1/a.proto:5:3:Enum value name "SIZE_extraLarge" should be '
                'UPPER_SNAKE_CASE, such as "SIZE_EXTRA_LARGE".'
            )
        ],
    ),
    "FIELD_LOWER_SNAKE_CASE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        message Shoe {
          int32 shoeSize = 1;
        }
        """,
        [
            (
                'acme/v1/a.proto:4:9:Field name "shoeSize" should be lower_snake_case, such as '
                '"shoe_size".'
            )
        ],
    ),
    "FIELD_NOT_REQUIRED": (
        """
        == acme/v1/a.proto
        syntax = "proto2";
        package acme.v1;
        message Shoe {
          required int32 size = 1;
        }
        """,
        ['acme/v1/a.proto:4:18:Field named "size" should not be required.'],
    ),
    "IMPORT_NO_PUBLIC": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        import public "acme/v1/b.proto";
        == acme/v1/b.proto
        syntax = "proto3";
        package acme.v1;
        """,
        ['acme/v1/a.proto:3:1:Import "acme/v1/b.proto" must not be public.'],
    ),
    "IMPORT_USED": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        import "google/protobuf/timestamp.proto";
        """,
        ['acme/v1/a.proto:3:1:Import "google/protobuf/timestamp.proto" is unused.'],
    ),
    "MESSAGE_PASCAL_CASE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        message shoe_box {}
        """,
        [('acme/v1/a.proto:3:9:Message name "shoe_box" should be PascalCase, such as "ShoeBox".')],
    ),
    "ONEOF_LOWER_SNAKE_CASE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        message Shoe {
          oneof Fit {
            int32 size = 1;
          }
        }
        """,
        ['acme/v1/a.proto:4:9:Oneof name "Fit" should be lower_snake_case, such as "fit".'],
    ),
    "PACKAGE_LOWER_SNAKE_CASE": (
        """
        == acme/shoeStore/v1/a.proto
        syntax = "proto3";
        package acme.shoeStore.v1;
        """,
        [
            (
                'acme/shoeStore/v1/a.proto:2:1:Package name "acme.shoeStore.v1" should be '
                'lower_snake.case, such as "acme.shoe_store.v1".'
            )
        ],
    ),
    "PACKAGE_SAME_CSHARP_NAMESPACE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        option csharp_namespace = "Acme.V1";
        == acme/v1/b.proto
        syntax = "proto3";
        package acme.v1;
        option csharp_namespace = "Acme.Version1";
        """,
        [
            (
                'acme/v1/a.proto:3:1:Files in package "acme.v1" have multiple values '
                '"Acme.V1,Acme.Version1" for option "csharp_namespace" and all values must be '
                "equal."
            ),
            (
                'acme/v1/b.proto:3:1:Files in package "acme.v1" have multiple values '
                '"Acme.V1,Acme.Version1" for option "csharp_namespace" and all values must be '
                "equal."
            ),
        ],
    ),
    "PACKAGE_SAME_GO_PACKAGE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        option go_package = "acme/v1;acmev1";
        == acme/v1/b.proto
        syntax = "proto3";
        package acme.v1;
        """,
        [
            (
                'acme/v1/a.proto:3:1:Files in package "acme.v1" have both values '
                '"acme/v1;acmev1" and no value for option "go_package" and all values must be '
                "equal."
            ),
            (
                'acme/v1/b.proto:1:1:Files in package "acme.v1" have both values '
                '"acme/v1;acmev1" and no value for option "go_package" and all values must be '
                "equal."
            ),
        ],
    ),
    "PACKAGE_SAME_JAVA_MULTIPLE_FILES": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        option java_multiple_files = true;
        == acme/v1/b.proto
        syntax = "proto3";
        package acme.v1;
        option java_multiple_files = false;
        """,
        [
            (
                'acme/v1/a.proto:3:1:Files in package "acme.v1" have multiple values '
                '"false,true" for option "java_multiple_files" and all values must be equal.'
            ),
            (
                'acme/v1/b.proto:3:1:Files in package "acme.v1" have multiple values '
                '"false,true" for option "java_multiple_files" and all values must be equal.'
            ),
        ],
    ),
    "PACKAGE_SAME_JAVA_PACKAGE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        option java_package = "com.acme.v1";
        == acme/v1/b.proto
        syntax = "proto3";
        package acme.v1;
        """,
        [
            (
                'acme/v1/a.proto:3:1:Files in package "acme.v1" have both values "com.acme.v1" '
                'and no value for option "java_package" and all values must be equal.'
            ),
            (
                'acme/v1/b.proto:1:1:Files in package "acme.v1" have both values "com.acme.v1" '
                'and no value for option "java_package" and all values must be equal.'
            ),
        ],
    ),
    "PACKAGE_SAME_PHP_NAMESPACE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        option php_namespace = "Acme\\\\V1";
        == acme/v1/b.proto
        syntax = "proto3";
        package acme.v1;
        """,
        [
            (
                'acme/v1/a.proto:3:1:Files in package "acme.v1" have both values "Acme\\\\V1" '
                'and no value for option "php_namespace" and all values must be equal.'
            ),
            (
                'acme/v1/b.proto:1:1:Files in package "acme.v1" have both values "Acme\\\\V1" '
                'and no value for option "php_namespace" and all values must be equal.'
            ),
        ],
    ),
    "PACKAGE_SAME_RUBY_PACKAGE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        option ruby_package = "Acme::V1";
        == acme/v1/b.proto
        syntax = "proto3";
        package acme.v1;
        """,
        [
            (
                'acme/v1/a.proto:3:1:Files in package "acme.v1" have both values "Acme::V1" and '
                'no value for option "ruby_package" and all values must be equal.'
            ),
            (
                'acme/v1/b.proto:1:1:Files in package "acme.v1" have both values "Acme::V1" and '
                'no value for option "ruby_package" and all values must be equal.'
            ),
        ],
    ),
    "PACKAGE_SAME_SWIFT_PREFIX": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        option swift_prefix = "AV1";
        == acme/v1/b.proto
        syntax = "proto3";
        package acme.v1;
        """,
        [
            (
                'acme/v1/a.proto:3:1:Files in package "acme.v1" have both values "AV1" and no '
                'value for option "swift_prefix" and all values must be equal.'
            ),
            (
                'acme/v1/b.proto:1:1:Files in package "acme.v1" have both values "AV1" and no '
                'value for option "swift_prefix" and all values must be equal.'
            ),
        ],
    ),
    "RPC_PASCAL_CASE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        service ShoeService {
          rpc get_shoe(GetShoeRequest) returns (GetShoeResponse);
        }
        message GetShoeRequest {}
        message GetShoeResponse {}
        """,
        ['acme/v1/a.proto:4:7:RPC name "get_shoe" should be PascalCase, such as "GetShoe".'],
    ),
    "SERVICE_PASCAL_CASE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        service shoe_service {}
        """,
        [
            (
                'acme/v1/a.proto:3:9:Service name "shoe_service" should be PascalCase, such as '
                '"ShoeService".'
            )
        ],
    ),
    "SYNTAX_SPECIFIED": (
        """
        == acme/v1/a.proto
        package acme.v1;
        """,
        [
            (
                "acme/v1/a.proto:1:1:Files must have a syntax explicitly specified. If no syntax "
                'is specified, the file defaults to "proto2".'
            )
        ],
    ),
    "ENUM_VALUE_PREFIX": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        enum Size {
          SIZE_UNSPECIFIED = 0;
          LARGE = 1;
        }
        """,
        ['acme/v1/a.proto:5:3:Enum value name "LARGE" should be prefixed with "SIZE_".'],
    ),
    "ENUM_ZERO_VALUE_SUFFIX": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        enum Size {
          SIZE_NONE = 0;
        }
        """,
        [
            (
                'acme/v1/a.proto:4:3:Enum zero value name "SIZE_NONE" should be suffixed with '
                '"_UNSPECIFIED".'
            )
        ],
    ),
    "FILE_LOWER_SNAKE_CASE": (
        """
        == acme/v1/ShoeBox.proto
        syntax = "proto3";
        package acme.v1;
        """,
        [
            (
                'acme/v1/ShoeBox.proto:1:1:Filename "ShoeBox.proto" should be '
                'lower_snake_case.proto, such as "shoe_box.proto".'
            )
        ],
    ),
    "PACKAGE_VERSION_SUFFIX": (
        """
        == acme/a.proto
        syntax = "proto3";
        package acme;
        """,
        [
            (
                'acme/a.proto:2:1:Package name "acme" should be suffixed with a correctly formed '
                'version, such as "acme.v1".'
            )
        ],
    ),
    "RPC_REQUEST_RESPONSE_UNIQUE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        service ShoeService {
          rpc Echo(EchoRequest) returns (EchoRequest);
        }
        message EchoRequest {}
        """,
        [
            (
                'acme/v1/a.proto:4:3:RPC "Echo" has the same type "acme.v1.EchoRequest" for the '
                "request and response."
            )
        ],
    ),
    "RPC_REQUEST_STANDARD_NAME": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        service ShoeService {
          rpc GetShoe(Shoe) returns (GetShoeResponse);
        }
        message Shoe {}
        message GetShoeResponse {}
        """,
        [
            (
                'acme/v1/a.proto:4:15:RPC request type "Shoe" should be named "GetShoeRequest" '
                'or "ShoeServiceGetShoeRequest".'
            )
        ],
    ),
    "RPC_RESPONSE_STANDARD_NAME": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        service ShoeService {
          rpc GetShoe(GetShoeRequest) returns (Shoe);
        }
        message GetShoeRequest {}
        message Shoe {}
        """,
        [
            (
                'acme/v1/a.proto:4:40:RPC response type "Shoe" should be named "GetShoeResponse" '
                'or "ShoeServiceGetShoeResponse".'
            )
        ],
    ),
    "SERVICE_SUFFIX": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        service Shoes {}
        """,
        ['acme/v1/a.proto:3:9:Service name "Shoes" should be suffixed with "Service".'],
    ),
    "COMMENT_ENUM": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        enum Size {
          // Unknown.
          SIZE_UNSPECIFIED = 0;
        }
        """,
        ['acme/v1/a.proto:3:1:Enum "Size" should have a non-empty comment for documentation.'],
    ),
    "COMMENT_ENUM_VALUE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        // Sizes.
        enum Size {
          SIZE_UNSPECIFIED = 0;
        }
        """,
        [
            (
                'acme/v1/a.proto:5:3:Enum value "SIZE_UNSPECIFIED" should have a non-empty '
                "comment for documentation."
            )
        ],
    ),
    "COMMENT_FIELD": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        // A shoe.
        message Shoe {
          int32 size = 1; // Trailing comments do not count.
        }
        """,
        ['acme/v1/a.proto:5:3:Field "size" should have a non-empty comment for documentation.'],
    ),
    "COMMENT_MESSAGE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;

        // Detached comments do not count.

        message Shoe {}
        """,
        [('acme/v1/a.proto:6:1:Message "Shoe" should have a non-empty comment for documentation.')],
    ),
    "COMMENT_ONEOF": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        // A shoe.
        message Shoe {
          oneof fit {
            // Size.
            int32 size = 1;
          }
        }
        """,
        ['acme/v1/a.proto:5:3:Oneof "fit" should have a non-empty comment for documentation.'],
    ),
    "COMMENT_RPC": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        // Shoes.
        service ShoeService {
          rpc GetShoe(GetShoeRequest) returns (GetShoeResponse);
        }
        // Request.
        message GetShoeRequest {}
        // Response.
        message GetShoeResponse {}
        """,
        [('acme/v1/a.proto:5:3:RPC "GetShoe" should have a non-empty comment for documentation.')],
    ),
    "COMMENT_SERVICE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        // buf:lint:ignore SERVICE_SUFFIX
        service Shoes {}
        """,
        [
            (
                'acme/v1/a.proto:4:1:Service "Shoes" should have a non-empty comment for '
                "documentation."
            )
        ],
    ),
    "RPC_NO_CLIENT_STREAMING": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        service ShoeService {
          rpc PutShoes(stream PutShoesRequest) returns (PutShoesResponse);
        }
        message PutShoesRequest {}
        message PutShoesResponse {}
        """,
        ['acme/v1/a.proto:4:3:RPC "PutShoes" is client streaming.'],
    ),
    "RPC_NO_SERVER_STREAMING": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        service ShoeService {
          rpc ListShoes(ListShoesRequest) returns (stream ListShoesResponse);
        }
        message ListShoesRequest {}
        message ListShoesResponse {}
        """,
        ['acme/v1/a.proto:4:3:RPC "ListShoes" is server streaming.'],
    ),
    "STABLE_PACKAGE_NO_IMPORT_UNSTABLE": (
        """
        == acme/v1/a.proto
        syntax = "proto3";
        package acme.v1;
        import "acme/v1beta1/b.proto";
        message A {
          acme.v1beta1.B b = 1;
        }
        == acme/v1beta1/b.proto
        syntax = "proto3";
        package acme.v1beta1;
        message B {}
        """,
        [
            (
                'acme/v1/a.proto:3:1:This file is in stable package "acme.v1", so it should not '
                'depend on "acme/v1beta1/b.proto" from unstable package "acme.v1beta1".'
            )
        ],
    ),
}


def _module(text: str, root: Path) -> Path:
    files: dict[str, list[str]] = {}
    for line in textwrap.dedent(text).lstrip().splitlines(keepends=True):
        if line.startswith("== "):
            current = files.setdefault(line[3:].strip(), [])
        else:
            current.append(line)
    for name, lines in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("".join(lines))
    return root


def test_every_rule_has_a_case() -> None:
    # PROTOVALIDATE needs protovalidate's CEL; IMPORT_NO_WEAK is deprecated and silent.
    assert set(RULE_IDS) - set(CASES) == {"PROTOVALIDATE", "IMPORT_NO_WEAK"}


@pytest.mark.parametrize("rule", list(CASES))
def test_rule_reports_like_buf(rule: str, tmp_path: Path) -> None:
    text, expected = CASES[rule]
    found = lint(compile_tree(_module(text, tmp_path)), parse_lint_config({"use": [rule]}))
    assert [finding.as_text() for finding in found] == expected
    assert {finding.rule for finding in found} == {rule}
