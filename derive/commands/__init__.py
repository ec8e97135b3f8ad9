"""Command-line commands, one module each (see :mod:`derive.cli`)."""
