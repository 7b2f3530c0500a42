"""Name casing as buf's lint rules judge it.

A name passes a casing rule when converting it changes nothing; the converted name is
the "such as" suggestion in the finding. The conversions follow buf's observable
behaviour (checked against ``buf lint`` in tests/integration/test_lint_vs_buf.py), which
differs from a textbook snake_case in small ways worth keeping:

- ``.``, ``-``, ``_`` and whitespace all separate words, and runs of them collapse;
- an upper-case letter starts a word when the previous character is lower case, or when
  the next one is (``HTTPServer`` -> ``http_server``);
- a digit never starts a word, and a letter after a digit starts one only when a lower-
  case letter follows it (``A1B2`` -> ``a1b2``, ``aa1Bb`` -> ``aa1_bb``).
"""

from __future__ import annotations

_SEPARATORS = frozenset(".-_ \t\n\r")


def _is_separator(char: str) -> bool:
    return char in _SEPARATORS


def _snake_words(name: str) -> str:
    """``name`` with ``_`` between its words, case unchanged."""
    text = name.strip("".join(_SEPARATORS))
    out: list[str] = []
    for index, char in enumerate(text):
        if _is_separator(char):
            # A run of separators becomes a single underscore.
            if out[-1] != "_":
                out.append("_")
            continue
        if index > 0 and char.isupper() and out[-1] != "_":
            after = text[index + 1] if index + 1 < len(text) else ""
            word_follows = bool(after) and not (
                after.isupper() or after.isdecimal() or _is_separator(after)
            )
            if word_follows or text[index - 1].islower():
                out.append("_")
        out.append(char)
    return "".join(out)


def to_lower_snake(name: str) -> str:
    """``lower_snake_case``, as FIELD_LOWER_SNAKE_CASE and friends suggest it."""
    return _snake_words(name).lower()


def to_upper_snake(name: str) -> str:
    """``UPPER_SNAKE_CASE``, as ENUM_VALUE_UPPER_SNAKE_CASE suggests it."""
    return _snake_words(name).upper()


def to_pascal(name: str) -> str:
    """``PascalCase``: separators dropped, the first letter of each word raised, and
    letters that were upper case kept so (``fooBAR`` -> ``FooBAR``)."""
    out: list[str] = []
    previous = ""
    for index, char in enumerate(name.strip()):
        if not _is_separator(char):
            starts_word = index == 0 or _is_separator(previous) or char.isupper()
            out.append(char.upper() if starts_word else char.lower())
        previous = char
    return "".join(out)
