"""docs/deployment.md documents every setting: each ``Settings`` field has a row of its
own in the settings reference, and every ``SPOKE_*`` name the page mentions is real."""

from __future__ import annotations

import re
from pathlib import Path

from spoke.config import OTHER_VARIABLES, Settings

DEPLOYMENT = Path(__file__).resolve().parents[2] / "docs" / "deployment.md"
_ROW = re.compile(r"^\| `(SPOKE_[A-Z0-9_]+)` \|", re.MULTILINE)
_MENTION = re.compile(r"\bSPOKE_[A-Z0-9_]*[A-Z0-9]\b")


def reference() -> str:
    """The "Settings reference" section: from its heading to the next level-2 heading."""
    text = DEPLOYMENT.read_text()
    start = text.index("\n## Settings reference\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_every_setting_has_a_row_in_the_reference() -> None:
    rows = _ROW.findall(reference())
    expected = {f"SPOKE_{name.upper()}" for name in Settings.model_fields}
    missing = sorted(expected - set(rows))
    assert not missing, f"add these settings to docs/deployment.md's reference: {missing}"
    duplicated = sorted({row for row in rows if rows.count(row) > 1})
    assert not duplicated, f"documented twice: {duplicated}"


def test_every_spoke_variable_the_page_names_is_real() -> None:
    known = {f"SPOKE_{name.upper()}" for name in Settings.model_fields} | OTHER_VARIABLES
    mentioned = set(_MENTION.findall(DEPLOYMENT.read_text()))
    assert mentioned, "the page names no setting at all"
    assert not sorted(mentioned - known), f"not settings: {sorted(mentioned - known)}"
