"""spoke.lock: a deterministic text format, strict parsing, and the check a push runs."""

from __future__ import annotations

import json

import pytest

from spoke.domain.errors import InvalidArgument
from spoke.domain.lock import InvalidLock, Lock, LockedPin, LockMismatch, check_lock
from spoke.domain.models import Dependency

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
C = "sha256:" + "c" * 64
PINS = [
    LockedPin("acme.top", "v1.0.0", C),
    LockedPin("acme.base", "v1.0.0", A),
    LockedPin("acme.left", "v2.0.0-rc.1", B),
]
REQUIRES = [Dependency("acme.top", "v1.0.0")]


def test_render_is_deterministic_and_documented() -> None:
    text = Lock.of(REQUIRES, PINS).render()
    assert text == Lock.of(REQUIRES, list(reversed(PINS))).render()
    assert text.endswith("}\n")
    assert json.loads(text) == {
        "version": 1,
        "requires": [{"module": "acme.top", "version": "v1.0.0"}],
        "dependencies": [
            {"module": "acme.base", "version": "v1.0.0", "digest": A},
            {"module": "acme.left", "version": "v2.0.0-rc.1", "digest": B},
            {"module": "acme.top", "version": "v1.0.0", "digest": C},
        ],
    }
    assert text == (
        "{\n"
        '  "version": 1,\n'
        '  "requires": [\n'
        '    {"module": "acme.top", "version": "v1.0.0"}\n'
        "  ],\n"
        '  "dependencies": [\n'
        f'    {{"module": "acme.base", "version": "v1.0.0", "digest": "{A}"}},\n'
        f'    {{"module": "acme.left", "version": "v2.0.0-rc.1", "digest": "{B}"}},\n'
        f'    {{"module": "acme.top", "version": "v1.0.0", "digest": "{C}"}}\n'
        "  ]\n"
        "}\n"
    )
    assert (
        Lock.of([], []).render()
        == '{\n  "version": 1,\n  "requires": [],\n  "dependencies": []\n}\n'
    )


def test_parse_round_trips() -> None:
    lock = Lock.of(REQUIRES, PINS)
    assert Lock.parse(lock.render()) == lock
    assert Lock.parse(lock.render()).render() == lock.render()
    empty = Lock.of([], [])
    assert Lock.parse(empty.render()) == empty


def _doc(**changes: object) -> str:
    doc = json.loads(Lock.of(REQUIRES, PINS).render())
    doc.update(changes)
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("not json", "not valid JSON"),
        ("[]", "an object"),
        (_doc(version=2), "format 2"),
        (_doc(extra=1), "an object"),
        (_doc(dependencies={}), "must be a list"),
        (_doc(dependencies=[{"module": "acme.a", "version": "v1.0.0"}]), "object of strings"),
        (_doc(dependencies=[{"module": "acme.a", "version": 1, "digest": A}]), "object of strings"),
        (
            _doc(dependencies=[{"module": "acme.a", "version": "v1.0.0", "digest": "md5:1"}]),
            "digest",
        ),
        (
            _doc(dependencies=[{"module": "acme.a", "version": "v1.0.0", "digest": A}] * 2),
            "twice",
        ),
        (_doc(requires=[{"module": "acme.x", "version": "v1.0.0"}]), "does not pin it"),
    ],
)
def test_parse_refuses_what_is_not_a_lock(text: str, says: str) -> None:
    with pytest.raises(InvalidLock, match=says):
        Lock.parse(text)


def test_names_and_versions_are_validated() -> None:
    with pytest.raises(InvalidArgument):
        Lock.of([], [LockedPin("Acme", "v1.0.0", A)])
    with pytest.raises(InvalidArgument):
        Lock.of([], [LockedPin("acme.a", "1.0.0", A)])


def test_check_lock_accepts_the_same_closure_in_any_order() -> None:
    check_lock(PINS, reversed(PINS))
    check_lock([], [])


def test_check_lock_reports_every_difference() -> None:
    locked = [
        LockedPin("acme.base", "v1.0.0", B),  # another digest
        LockedPin("acme.gone", "v1.0.0", A),  # not in the closure
        LockedPin("acme.left", "v1.0.0", B),  # another version than resolved
    ]
    with pytest.raises(LockMismatch) as raised:
        check_lock(locked, PINS)
    error = raised.value
    assert error.code == "lock_mismatch"
    assert error.details == {
        "missing": [
            {"module": "acme.left", "version": "v2.0.0-rc.1", "digest": B},
            {"module": "acme.top", "version": "v1.0.0", "digest": C},
        ],
        "extra": [
            {"module": "acme.gone", "version": "v1.0.0", "digest": A},
            {"module": "acme.left", "version": "v1.0.0", "digest": B},
        ],
        "digest_mismatch": [
            {"module": "acme.base", "version": "v1.0.0", "locked": B, "resolved": A}
        ],
    }
    assert "not locked: acme.left@v2.0.0-rc.1, acme.top@v1.0.0" in error.message
    assert "locked but not a dependency: acme.gone@v1.0.0" in error.message
    assert f"acme.base@v1.0.0 (locked {B}, resolved {A})" in error.message
