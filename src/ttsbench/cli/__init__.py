"""The ``ttsbench`` command line: one sub-command per module of this package.

Each command module exposes ``add_arguments(parser)`` and ``run(args) -> int`` and keeps its
heavy imports (torch, pandas, asv) inside ``run`` so that ``ttsbench --help`` stays fast.
The module docstring's first line is the command's help. Errors raised as
:class:`ttsbench.errors.TtsbenchError` are printed as one line and turned into their exit code.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from ttsbench import __version__
from ttsbench.errors import EXIT_USAGE, TtsbenchError


def _command_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            yield info.name, importlib.import_module(f"{__name__}.{info.name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ttsbench",
        description="Performance-regression tracking for a TTS inference stack, on top of asv.",
        epilog="Exit codes: 0 fine, 1 regression at or above the threshold, 2 usage or data error.",
    )
    parser.add_argument("--version", action="version", version=f"ttsbench {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in _command_modules():
        doc = (module.__doc__ or "").strip()
        sub = commands.add_parser(
            name.replace("_", "-"),
            help=doc.splitlines()[0] if doc else None,
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except TtsbenchError as exc:
        print(f"ttsbench {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"ttsbench {args.command}: interrupted", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
