"""The ``spoke`` command."""
