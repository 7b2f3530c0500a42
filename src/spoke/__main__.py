"""``python -m spoke``: the same as the ``spoke`` command."""

from __future__ import annotations

from spoke.cli.main import main

main()
