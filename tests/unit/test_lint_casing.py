"""Name casing and package versions, against what ``buf lint`` 1.75 suggested for the
same names (its "such as" text, recorded from runs of buf)."""

from __future__ import annotations

import pytest

from spoke.domain.lint.casing import to_lower_snake, to_pascal, to_upper_snake
from spoke.domain.lint.package_versions import parse_package_version

# name: (lower_snake, UPPER_SNAKE, Pascal), as buf suggested them.
BUF_SUGGESTIONS = {
    "HTTPServer": ("http_server", "HTTP_SERVER", "HTTPServer"),
    "getHTTPResponse": ("get_http_response", "GET_HTTP_RESPONSE", "GetHTTPResponse"),
    "A1B2": ("a1b2", "A1B2", "A1B2"),
    "foo__bar": ("foo_bar", "FOO_BAR", "FooBar"),
    "_foo": ("foo", "FOO", "Foo"),
    "foo_": ("foo", "FOO", "Foo"),
    "fooBAR": ("foo_bar", "FOO_BAR", "FooBAR"),
    "FOO_bar": ("foo_bar", "FOO_BAR", "FOOBar"),
    "x1Y": ("x1y", "X1Y", "X1Y"),
    "ABc": ("a_bc", "A_BC", "ABc"),
    "aBC": ("a_bc", "A_BC", "ABC"),
    "HTTP2Server": ("http2_server", "HTTP2_SERVER", "HTTP2Server"),
    "v1Beta": ("v1_beta", "V1_BETA", "V1Beta"),
    "a_1": ("a_1", "A_1", "A1"),
    "MixedCASEName": ("mixed_case_name", "MIXED_CASE_NAME", "MixedCASEName"),
    "with2Digits3": ("with2_digits3", "WITH2_DIGITS3", "With2Digits3"),
    "a1b": ("a1b", "A1B", "A1b"),
    "AbC_dEf": ("ab_c_d_ef", "AB_C_D_EF", "AbCDEf"),
    "aB1": ("a_b1", "A_B1", "AB1"),
    "aa1Bb": ("aa1_bb", "AA1_BB", "Aa1Bb"),
    "AA1BB": ("aa1bb", "AA1BB", "AA1BB"),
    "fOO": ("f_oo", "F_OO", "FOO"),
    "abC1Def": ("ab_c1_def", "AB_C1_DEF", "AbC1Def"),
    "abc_1_def": ("abc_1_def", "ABC_1_DEF", "Abc1Def"),
    "Foo_bar": ("foo_bar", "FOO_BAR", "FooBar"),
}


@pytest.mark.parametrize("name", sorted(BUF_SUGGESTIONS))
def test_conversions_match_buf(name: str) -> None:
    lower, upper, pascal = BUF_SUGGESTIONS[name]
    assert (to_lower_snake(name), to_upper_snake(name), to_pascal(name)) == (lower, upper, pascal)


def test_file_names_treat_dots_dashes_and_spaces_as_separators() -> None:
    assert to_lower_snake("foo.bar") == "foo_bar"
    assert to_lower_snake("foo-bar") == "foo_bar"
    assert to_lower_snake("a b") == "a_b"
    assert to_lower_snake("foo_bar_V2") == "foo_bar_v2"


@pytest.mark.parametrize(
    "package",
    [
        "foo.v1",
        "foo.v01",
        "foo.v10",
        "foo.v1beta1",
        "foo.v1beta",
        "foo.v1alpha",
        "foo.v2alpha10",
        "foo.v1beta01",
        "foo.v1test",
        "foo.v1testfoo",
        "foo.v1test_x",
        "foo.v1testbeta1",
        "foo.v1p1beta1",
        "foo.v1p1alpha2",
        "foo.v1p1beta",
        "foo.v1p01beta1",
    ],
)
def test_versions_buf_accepts(package: str) -> None:
    assert parse_package_version(package) is not None


@pytest.mark.parametrize(
    "package",
    [
        "v1",  # a version needs a name before it
        "foo",
        "foo.v0",
        "foo.v00",
        "foo.v1beta0",
        "foo.v1p0beta1",
        "foo.v1p1beta0",
        "foo.v1p1",
        "foo.v1p",
        "foo.v1pbeta1",
        "foo.v1p1test",
        "foo.V1",
        "foo.v1_test",
        "foo.vv1",
        "foo.v",
        "foo.v1gamma1",
        "foo.v1beta1x",
        "foo.v1alpha1test",
        "foo.v1beta1beta1",
        "foo.bar_v1",
        "foo.v9999999999999999999999",  # too big for buf's 64-bit integers
    ],
)
def test_versions_buf_refuses(package: str) -> None:
    assert parse_package_version(package) is None


def test_stability() -> None:
    assert parse_package_version("a.v1") == parse_package_version("a.v1")
    stable = {
        p: v.stable
        for p in ("a.v1", "a.v2beta1", "a.v1test", "a.v1p1alpha1")
        if (v := parse_package_version(p))
    }
    assert stable == {"a.v1": True, "a.v2beta1": False, "a.v1test": False, "a.v1p1alpha1": False}
