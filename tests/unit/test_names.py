from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoke.domain.errors import InvalidArgument
from spoke.domain.names import MAX_MODULE_NAME_LENGTH, validate_module_name


@pytest.mark.parametrize(
    "name",
    [
        "a",
        "acme",
        "acme.payments",
        "acme_payments-v2",
        "a1.b2_c3-d4",
        "x-",
        "acme.v1",
        "acme.2024",
        "acme.pay_v1.x-y",
        "a" * MAX_MODULE_NAME_LENGTH,
    ],
)
def test_valid_names_are_returned_unchanged(name: str) -> None:
    assert validate_module_name(name) == name


def test_limit_is_one_hundred_characters() -> None:
    assert MAX_MODULE_NAME_LENGTH == 100
    assert validate_module_name("m" * 100) == "m" * 100


def test_one_hundred_and_one_characters_is_rejected_with_the_limit() -> None:
    with pytest.raises(InvalidArgument) as info:
        validate_module_name("m" * 101)
    assert "101" in info.value.message
    assert "100" in info.value.message
    assert info.value.code == "invalid_argument"


def test_empty_name_is_rejected() -> None:
    with pytest.raises(InvalidArgument, match="must not be empty"):
        validate_module_name("")


@pytest.mark.parametrize(
    "name",
    [
        "Acme",
        "acmE",
        "1acme",
        "9",
        "a/b",
        "/a",
        "a b",
        " a",
        "a ",
        "café",
        "ünicode",
        "..a",
        ".a",
        "-a",
        "_a",
        "a\n",
        "a\x00",
        "a:b",
        "a@b",
        # Empty or malformed dot-separated parts.
        "acme.",
        "acme..x",
        "a..b",
        ".acme",
        "acme.-x",
        "acme._x",
        "acme.x.",
        "acme.x..",
        "a.",
        # Invisible characters.
        "acme\u200b",
        "ac\u202eme",
    ],
)
def test_invalid_names_raise_a_helpful_error(name: str) -> None:
    with pytest.raises(InvalidArgument) as info:
        validate_module_name(name)
    message = info.value.message
    assert repr(name) in message
    assert "lowercase" in message
    assert "starting with a letter" in message
    assert info.value.details == {"module": name}
    assert str(info.value) == message


def test_error_for_an_overlong_name_does_not_echo_it_in_full() -> None:
    name = "a" * 500
    with pytest.raises(InvalidArgument) as info:
        validate_module_name(name)
    shown = info.value.details["module"]
    assert len(shown) <= MAX_MODULE_NAME_LENGTH + 1
    assert name not in info.value.message


PART = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,5}", fullmatch=True)


@given(st.from_regex(r"[a-z][a-z0-9_-]{0,5}", fullmatch=True), st.lists(PART, max_size=4))
def test_dot_separated_parts_are_accepted(first: str, rest: list[str]) -> None:
    name = ".".join([first, *rest])
    assert validate_module_name(name) == name


@given(st.text(st.sampled_from("az09._-"), min_size=1, max_size=12))
def test_accepted_names_have_well_formed_parts(name: str) -> None:
    """Whatever is accepted starts with a letter and has no empty part or a part that
    starts with '_' or '-'."""
    try:
        validate_module_name(name)
    except InvalidArgument:
        return
    first, *rest = name.split(".")
    assert re.fullmatch(r"[a-z][a-z0-9_-]*", first)
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9_-]*", part) for part in rest)
