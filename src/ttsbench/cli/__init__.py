"""The ``ttsbench`` command line: one sub-command per module of this package.

Each command module exposes ``add_arguments(parser)`` and ``run(args) -> int`` and keeps its
heavy imports (torch, pandas, asv) inside ``run`` so that ``ttsbench --help`` stays fast.
The module docstring's first line is the command's help. Errors raised as
:class:`ttsbench.errors.TtsbenchError` are printed as one line and turned into their exit code;
any other exception is one "internal error" line and exit 2 (``TTSBENCH_DEBUG=1`` shows the
traceback), so no input makes a command exit 1, the "regression found" code. Python warnings
raised while a command runs: the tracker's own (:class:`~ttsbench.errors.TrackerWarning`, e.g.
a skipped result file) are printed as one line each with
:func:`ttsbench.cli._options.print_warnings` (which never repeats a line a command printed
itself); library ones (numpy, pandas, scipy) are counted and summarised in one line.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import os
import pkgutil
import sys
import warnings

from ttsbench import __version__
from ttsbench.cli._options import forget_printed, print_warnings
from ttsbench.errors import EXIT_USAGE, TrackerWarning, TtsbenchError


def _command_modules(argv: list[str]):
    """The command modules the parser needs: only the one named in ``argv`` when it names one
    (the others' imports cost a twentieth of a second), else all of them (help, a typo)."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    given = next((a for a in argv if not a.startswith("-")), "").replace("-", "_")
    for name in [given] if given in names else names:
        yield name, importlib.import_module(f"{__name__}.{name}")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser of ``argv`` (default: every command, as ``ttsbench --help`` shows them)."""
    parser = argparse.ArgumentParser(
        prog="ttsbench",
        description="Performance-regression tracking for a TTS inference stack, on top of asv.",
        epilog="Exit codes: 0 fine, 1 regression at or above the threshold, 2 usage or data error.",
    )
    parser.add_argument("--version", action="version", version=f"ttsbench {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in _command_modules([] if argv is None else argv):
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
    forget_printed()
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    counter = _WarningCounter(args.command)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = counter
        code = _guarded(args)
    counter.report()
    return code


def _guarded(args: argparse.Namespace) -> int:
    try:
        return args.run(args)
    except TtsbenchError as exc:
        print(f"ttsbench {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"ttsbench {args.command}: interrupted", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a path given on the command line that cannot be read or written
        where = f" {exc.filename}" if exc.filename else ""
        print(f"ttsbench {args.command}: error: {exc.strerror or exc}:{where}; check the path "
              "and its permissions", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 -- any input must end in one line, never a traceback
        if os.environ.get("TTSBENCH_DEBUG"):
            raise
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        print(
            f"ttsbench {args.command}: internal error: {type(exc).__name__}: {first}; "
            "rerun with TTSBENCH_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        return EXIT_USAGE


class _WarningCounter:
    """Prints the tracker's warnings; counts library ones (bounded: a server may run for days)."""

    DISTINCT = 50

    def __init__(self, command: str):
        self.command = command
        self.counts: collections.Counter[str] = collections.Counter()
        self.total = 0

    def __call__(self, message, category, filename, lineno, file=None, line=None) -> None:
        if issubclass(category, TrackerWarning):
            print_warnings(self.command, [str(message)])
            return
        self.total += 1
        key = f"{category.__name__}: {(str(message).splitlines() or [''])[0][:120]}"
        if key in self.counts or len(self.counts) < self.DISTINCT:
            self.counts[key] += 1

    def report(self) -> None:
        """One line: how many library warnings, and the most frequent."""
        if self.total:
            (common, _), = self.counts.most_common(1)
            print(
                f"ttsbench {self.command}: note: {self.total} library warnings while computing "
                f"(most often {common!r}); they do not change the exit code",
                file=sys.stderr,
            )


if __name__ == "__main__":
    sys.exit(main())
