"""Module names: lowercase, start with a letter, then letters, digits, ``.``, ``_``, ``-``.

Dots separate segments (``acme.payments.v1``): none of them is empty (no leading,
trailing or doubled dot) and each starts with a letter or a digit, so a name never holds
``..``, never ends in ``.`` and no segment looks like an option (``acme.-x``).
"""

from __future__ import annotations

import re

from spoke.domain.errors import InvalidArgument

MAX_MODULE_NAME_LENGTH = 100
_MODULE_NAME = re.compile(r"[a-z][a-z0-9_-]*(?:\.[a-z0-9][a-z0-9_-]*)*")


def validate_module_name(name: str) -> str:
    """Return ``name`` if it is a valid module name, else raise ``InvalidArgument``."""
    if not name:
        raise InvalidArgument("module name must not be empty", details={"module": name})
    if len(name) > MAX_MODULE_NAME_LENGTH:
        raise InvalidArgument(
            f"module name is {len(name)} characters long; the limit is {MAX_MODULE_NAME_LENGTH}",
            details={"module": name[:MAX_MODULE_NAME_LENGTH] + "…"},
        )
    if not _MODULE_NAME.fullmatch(name):
        raise InvalidArgument(
            f"invalid module name {name!r}: use lowercase letters, digits, '.', '_' and '-', "
            "starting with a letter; dots separate non-empty parts that each start with a "
            "letter or digit",
            details={"module": name},
        )
    return name
