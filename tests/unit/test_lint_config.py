"""The ``lint:`` section parser: buf.yaml v2 semantics, and buf's refusals."""

from __future__ import annotations

from typing import Any

import pytest

from spoke.domain.errors import InvalidArgument
from spoke.domain.lint import InvalidLintConfig, LintConfig, parse_lint_config
from spoke.domain.lint.catalog import RULE_IDS, RULE_INFOS, expand


def _standard() -> list[str]:
    return [info.id for info in RULE_INFOS if "STANDARD" in info.categories]


def test_no_section_means_buf_defaults() -> None:
    sections: list[dict[str, Any] | None] = [None, {}, {"use": []}]
    for section in sections:
        config = parse_lint_config(section)
        assert config.rule_ids() == _standard()
        assert config.enum_zero_value_suffix == "_UNSPECIFIED"
        assert config.service_suffix == "Service"
        assert not config.disallow_comment_ignores  # v2 honours comment ignores


def test_categories_nest_like_buf() -> None:
    minimal, basic, standard = expand(["MINIMAL"]), expand(["BASIC"]), expand(["STANDARD"])
    assert len(minimal) == 5
    assert minimal < basic < standard
    assert len(standard) == 35
    assert expand(["COMMENTS"]) == {i for i in RULE_IDS if i.startswith("COMMENT_")}
    assert expand(["UNARY_RPC"]) == {"RPC_NO_CLIENT_STREAMING", "RPC_NO_SERVER_STREAMING"}
    assert expand(["DEFAULT"]) == standard  # buf's deprecated name for STANDARD


def test_use_and_except_select_rules_in_buf_order() -> None:
    config = parse_lint_config(
        {
            "use": ["MINIMAL", "COMMENT_FIELD", "UNARY_RPC"],
            "except": ["PACKAGE_DEFINED", "UNARY_RPC"],
        }
    )
    assert config.rule_ids() == [
        "DIRECTORY_SAME_PACKAGE",
        "PACKAGE_DIRECTORY_MATCH",
        "PACKAGE_NO_IMPORT_CYCLE",
        "PACKAGE_SAME_DIRECTORY",
        "COMMENT_FIELD",
    ]


def test_except_everything_selects_nothing() -> None:
    # buf fails here with an internal error; running no rule is the sane reading.
    assert parse_lint_config({"use": ["MINIMAL"], "except": ["MINIMAL"]}).rule_ids() == []
    assert parse_lint_config({"disable_builtin": True}).rule_ids() == []


def test_options_are_read() -> None:
    config = parse_lint_config(
        {
            "enum_zero_value_suffix": "_NONE",
            "service_suffix": "API",
            "rpc_allow_same_request_response": True,
            "rpc_allow_google_protobuf_empty_requests": True,
            "rpc_allow_google_protobuf_empty_responses": True,
            "disallow_comment_ignores": True,
        }
    )
    assert config == LintConfig(
        enum_zero_value_suffix="_NONE",
        service_suffix="API",
        rpc_allow_same_request_response=True,
        rpc_allow_google_protobuf_empty_requests=True,
        rpc_allow_google_protobuf_empty_responses=True,
        disallow_comment_ignores=True,
        use=(),
    )


def test_empty_suffixes_mean_the_defaults() -> None:
    config = parse_lint_config({"enum_zero_value_suffix": "", "service_suffix": ""})
    assert (config.enum_zero_value_suffix, config.service_suffix) == ("_UNSPECIFIED", "Service")


@pytest.mark.parametrize(
    ("section", "complaint"),
    [
        ({"use": ["NOPE"]}, "'NOPE' is not a known rule or category ID"),
        ({"except": ["comment_field"]}, "is not a known rule or category ID"),
        ({"ignore_only": {"OTHER": ["a"]}}, "is not a known rule or category ID"),
        ({"use": ["FILE_LAYOUT"]}, "not a known"),  # a v1beta1 category, gone in v2
        ({"allow_comment_ignores": True}, "unknown key(s) allow_comment_ignores"),
        ({"bogus": 1, "also": 2}, "unknown key(s) also, bogus"),
        ({"use": "STANDARD"}, "lint.use: expected a list of strings"),
        ({"use": [5]}, "lint.use: expected a list of strings"),
        ({"ignore": "a"}, "lint.ignore: expected a list of strings"),
        ({"ignore_only": ["a"]}, "expected a mapping"),
        ({"ignore_only": {"COMMENTS": "a"}}, "lint.ignore_only.COMMENTS: expected a list"),
        ({"rpc_allow_same_request_response": "true"}, "expected true or false"),
        ({"disable_builtin": 1}, "expected true or false"),
        ({"service_suffix": 5}, "lint.service_suffix: expected a string"),
        ({"ignore": ["/abs"]}, "expected to be relative"),
        ({"ignore": ["../outside"]}, "is outside the module"),
        ({"ignore_only": {"COMMENTS": ["a/../.."]}}, "is outside the module"),
        ({"ignore_only": {"COMMENTS": ["."]}}, 'cannot specify "." as an ignore path'),
    ],
)
def test_bad_sections_are_refused(section: dict[str, Any], complaint: str) -> None:
    with pytest.raises(InvalidLintConfig) as raised:
        parse_lint_config(section)
    assert complaint in str(raised.value)
    # A ValueError for plain callers, an InvalidArgument (HTTP 400) for the API.
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, InvalidArgument)


def test_a_section_must_be_a_mapping() -> None:
    with pytest.raises(ValueError, match="expected a mapping"):
        parse_lint_config(["use"])  # type: ignore[arg-type]


def test_direct_construction_validates_too() -> None:
    with pytest.raises(ValueError, match="not a known rule"):
        LintConfig(use=("NOPE",))


def test_paths_are_normalised_like_buf() -> None:
    config = parse_lint_config({"ignore": ["a//b/./c/", "x/../y", "", "./"]})
    assert config.ignore == ("a/b/c", "y", ".", ".")


@pytest.mark.parametrize(
    ("ignore", "file", "ignored"),
    [
        ("a/v1", "a/v1/x.proto", True),
        ("a/v1/x.proto", "a/v1/x.proto", True),
        ("a/v", "a/v1/x.proto", False),  # whole path components only
        ("a/v1/x", "a/v1/x.proto", False),
        (".", "x.proto", True),
        ("b", "a/v1/x.proto", False),
    ],
)
def test_ignore_matches_files_and_directories(ignore: str, file: str, ignored: bool) -> None:
    config = parse_lint_config({"ignore": [ignore]})
    assert config.ignores("FIELD_LOWER_SNAKE_CASE", file) is ignored


def test_ignore_only_matches_rules_and_categories() -> None:
    config = parse_lint_config(
        {"ignore_only": {"COMMENTS": ["docs"], "ENUM_PASCAL_CASE": ["a/x.proto"], "DEFAULT": ["s"]}}
    )
    assert config.ignores("COMMENT_FIELD", "docs/a.proto")
    assert not config.ignores("FIELD_LOWER_SNAKE_CASE", "docs/a.proto")
    assert config.ignores("ENUM_PASCAL_CASE", "a/x.proto")
    assert not config.ignores("ENUM_PASCAL_CASE", "a/y.proto")
    assert config.ignores("SERVICE_SUFFIX", "s/a.proto")
    assert not config.ignores("COMMENT_FIELD", "s/a.proto")


def test_every_rule_has_one_check() -> None:
    from spoke.domain.lint.catalog import LEGACY_ONLY_RULE_IDS
    from spoke.domain.lint.rules import CHECKS

    # v2's 46 rules, then the one only v1beta1 knows (FIELD_NO_DESCRIPTOR).
    assert list(CHECKS) == [*RULE_IDS, *LEGACY_ONLY_RULE_IDS]
    assert len(RULE_IDS) == len(set(RULE_IDS)) == 46
