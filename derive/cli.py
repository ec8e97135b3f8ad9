"""The command line: ``handouts`` (also ``python -m derive``).

Each command is a module of :mod:`derive.commands` with a
``register(subparsers)`` function that adds its parser and sets ``func``;
every module there is a command. Bad input
anywhere raises :class:`derive.spec.InputError`, printed as one line with exit
status 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from derive import __version__
from derive.spec import InputError

def _command_modules() -> list[str]:
    import derive.commands
    return sorted(f"derive.commands.{m.name}" for m in pkgutil.iter_modules(derive.commands.__path__))


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit 2, like every other bad input
        self.exit(2, f"{self.prog}: error: {message}\n")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="handouts", description="Worked-solution handouts, variants "
                     "and grading for the gradients of small neural networks.")
    parser.add_argument("--version", action="version", version=f"handouts {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                parser_class=_Parser)
    for name in _command_modules():
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args = make_parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except InputError as e:
        print(f"handouts: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("handouts: interrupted", file=sys.stderr)
        return 130


def main_exit() -> None:
    """Console-script entry point."""
    sys.exit(main())
