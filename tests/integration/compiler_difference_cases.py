"""Issue 18, class 7: files buf's compiler accepts and protoc refuses, one per known
difference (``spoke.domain.compiler_differences.KNOWN``). Each also has a field buf's
lint reports (``BadName``: FIELD_LOWER_SNAKE_CASE) at ``LINT_LINE``, so the fixture shows
buf linting a file Spoke cannot compile. The directory of each is ``{id}/v1`` and its
package ``{id}.v1``, so they can all be linted in one buf run."""

from __future__ import annotations

#: The line of each case's ``BadName`` field.
LINT_LINE = 4

CASES: dict[str, str] = {
    "allow_alias_false": """syntax = "proto3";
package allow_alias_false.v1;
enum Color { option allow_alias = false; COLOR_UNSPECIFIED = 0; COLOR_RED = 1; }
message Paint { Color BadName = 1; }
""",
    "json_name_in_brackets": """syntax = "proto3";
package json_name_in_brackets.v1;
message Point { int32 x = 1 [json_name = "[x]"]; }
message Other { int32 BadName = 1; }
""",
}

#: Where protoc reports each (line, column), and what it says.
PROTOC_SAYS: dict[str, tuple[int, int, str]] = {
    "allow_alias_false": (
        4,
        1,
        "\"Color\" declares 'option allow_alias = false;' which has no effect. "
        "Please remove the declaration.",
    ),
    "json_name_in_brackets": (
        3,
        23,
        'The custom JSON name of field "x" ("[x]") is invalid: JSON names may not start '
        "with '[' and end with ']'.",
    ),
}


def path_of(case: str) -> str:
    return f"{case}/v1/{case}.proto"
