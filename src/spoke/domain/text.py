"""Characters that must not travel from data to a terminal, and must not hide in names.

*Unsafe* characters are the control characters (C0 ``U+0000`` to ``U+001F``, DEL ``U+007F``,
C1 ``U+0080`` to ``U+009F``: escape sequences start with them), the Unicode line and paragraph
separators, and the bidirectional formatting characters (they reorder what a terminal or an
editor shows: "Trojan Source"). Free text (descriptions, key names) refuses them when it is
stored; the CLI shows any that still arrive as ``\\uXXXX``.

*Invisible* characters are the unsafe ones and every other format character (category
Cf: zero-width spaces and joiners, the BOM, soft hyphens, tags...). Identifiers (file paths,
generated file names) refuse them all: two names that look alike must be alike. Free text
keeps them, as some scripts need the zero-width joiners.
"""

from __future__ import annotations

import unicodedata

from spoke.domain.errors import InvalidArgument

#: The Unicode categories no identifier may contain (see ``is_invisible``).
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})

# Marks, embeddings, overrides and isolates: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI,
# RLI, FSI, PDI; and the line and paragraph separators.
_FORMATTING = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SEPARATORS = frozenset("\u2028\u2029")


def is_unsafe(char: str) -> bool:
    """Whether ``char`` (one character) is a control, separator or bidi formatting character."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or char in _FORMATTING or char in _SEPARATORS


def is_invisible(char: str) -> bool:
    """Whether ``char`` may not stand in an identifier: unsafe, or any format character."""
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES


def first_invisible(text: str) -> str | None:
    """The first character of ``text`` an identifier may not contain, or None."""
    return next((ch for ch in text if is_invisible(ch)), None)


def escape_invisible(text: str) -> str:
    """``text`` with every invisible character written as ``\\uXXXX`` (for messages about
    an identifier that was refused: they must not carry what they refuse)."""
    return "".join(f"\\u{ord(ch):04x}" if is_invisible(ch) else ch for ch in text)


def first_unsafe(text: str, *, allow: str = "") -> str | None:
    """The first unsafe character of ``text`` that is not in ``allow``, or None."""
    return next((ch for ch in text if is_unsafe(ch) and ch not in allow), None)


def escape_unsafe(text: str, *, keep: str = "") -> str:
    """``text`` with every unsafe character but those in ``keep`` written as ``\\uXXXX``
    (the same escape JSON uses, so escaped JSON stays valid JSON)."""
    if first_unsafe(text, allow=keep) is None:
        return text
    return "".join(f"\\u{ord(ch):04x}" if is_unsafe(ch) and ch not in keep else ch for ch in text)


def refuse_unsafe(text: str, what: str, *, allow: str = "") -> str:
    """Return ``text``, or raise ``InvalidArgument`` naming ``what`` and the character."""
    found = first_unsafe(text, allow=allow)
    if found is not None:
        raise InvalidArgument(
            f"{what} must not contain control or bidirectional formatting characters "
            f"(found U+{ord(found):04X})",
            details={"character": f"U+{ord(found):04X}"},
        )
    return text
