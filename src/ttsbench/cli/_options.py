"""Options every command shares, with asv's names, validated here and nowhere else.

* ``--config FILE``: asv's configuration (asv.conf.json), as in asv; ``[tool.ttsbench]`` is read
  from the pyproject.toml nearest to it (:func:`tracker_config`). A ``.toml`` given to
  ``--config`` (the old meaning in compare and claims) still works, with a deprecation line.
* ``--results DIR`` (default: asv.conf.json's ``results_dir``, else ``.asv/results``),
  ``--machine NAME``, ``--env NAME``: which results (:func:`add_results_options`).
* ``--bench REGEX`` / ``-b``: asv's benchmark filter (:func:`add_bench_option`,
  :func:`bench_pattern`); ``--benchmark`` is a deprecated alias.

Warnings (the loader's skipped files, deprecated names) go through :func:`print_warnings`, the
one printer: ``ttsbench COMMAND: warning: LINE`` on stderr, each line once per command (so
``ttsbench.cli.main``, which prints every :class:`~ttsbench.errors.TrackerWarning`, never
repeats one a command printed itself).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from ttsbench.errors import TtsbenchError

DEFAULT_CONFIG = Path("asv.conf.json")
DEFAULT_RESULTS = Path(".asv/results")
_printed: set[str] = set()


def print_warnings(command: str, lines) -> None:
    """Print each warning as ``ttsbench COMMAND: warning: LINE`` on stderr, once per run."""
    for line in lines:
        if line not in _printed:
            _printed.add(line)
            print(f"ttsbench {command}: warning: {line}", file=sys.stderr)


def forget_printed() -> None:
    """Start a new command: warnings printed before may be printed again."""
    _printed.clear()


class _DeprecatedAlias(argparse.Action):
    """Stores into the new option's destination and says the old name is deprecated."""

    def __init__(self, option_strings, dest, new_name: str, **kwargs):
        self.new_name = new_name
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        command = parser.prog.split()[-1]
        print_warnings(command, [f"{option_string} is deprecated; use {self.new_name}"])
        setattr(namespace, self.dest, values)


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config FILE``: the asv.conf.json (asv's meaning of the option)."""
    parser.add_argument(
        "--config", type=Path, default=DEFAULT_CONFIG, metavar="FILE",
        help="asv configuration (default: %(default)s); [tool.ttsbench] is read from the "
             "pyproject.toml nearest to it",
    )


def add_results_options(parser: argparse.ArgumentParser, *, env: bool = True) -> None:
    """``--config``, ``--results DIR``, ``--machine NAME`` and (with ``env``) ``--env NAME``."""
    add_config_option(parser)
    parser.add_argument("--results", type=Path, metavar="DIR",
                        help="asv results dir (default: results_dir of --config, else .asv/results)")
    parser.add_argument("--machine", "-m", metavar="NAME", help="only this asv machine's results")
    if env:
        parser.add_argument("--env", metavar="NAME",
                            help="only this environment (asv env name, e.g. virtualenv-py3.11)")


def add_bench_option(parser: argparse.ArgumentParser, *, required: bool = False, help: str = "") -> None:
    """``--bench REGEX`` (``-b``), as asv's; ``--benchmark`` stays as a deprecated alias."""
    parser.add_argument("--bench", "-b", required=required, metavar="REGEX",
                        help=help or "only benchmarks whose name matches this regex")
    parser.add_argument("--benchmark", dest="bench", action=_DeprecatedAlias, new_name="--bench",
                        help=argparse.SUPPRESS)


def bench_pattern(args: argparse.Namespace) -> re.Pattern | None:
    """The compiled ``--bench`` regex (None without one), or a one-line error."""
    text = getattr(args, "bench", None)
    if text is None:
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        raise TtsbenchError(
            f"--bench {text!r} is not a regular expression ({exc}): not a valid regex; fix the pattern"
        ) from None


def asv_conf(args: argparse.Namespace, *, required: bool = False):
    """asv's ``Config`` from ``--config`` (None when absent and not ``required``)."""
    path = Path(args.config)
    if not path.is_file() or path.suffix == ".toml":
        if required:
            raise TtsbenchError(f"no asv configuration at {path}; run from the project or pass --config")
        return None
    from asv.config import Config
    from asv.util import UserError

    try:
        return Config.load(str(path))
    except (UserError, ValueError, OSError, TypeError, AttributeError) as exc:
        line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TtsbenchError(f"cannot read {path}: {line}; fix it or pass --config") from None


def results_dir(args: argparse.Namespace) -> Path:
    """``--results``, else asv.conf.json's ``results_dir`` (relative to its folder), else the default."""
    if args.results is not None:
        return Path(args.results)
    stored = stored_paths(Path(args.config), "results_dir")
    if stored is not None:
        return Path(args.config).parent / stored[0]
    conf = asv_conf(args)
    if conf is None:
        return DEFAULT_RESULTS
    return Path(args.config).parent / conf.results_dir


def stored_paths(path: Path, *keys: str) -> tuple[str, ...] | None:
    """The values of ``keys`` as written in asv.conf.json, read with asv's parser for that file
    (json5) without importing asv (a tenth of a second); None unless each is a non-empty string,
    where asv's ``Config`` decides (its default, or its error)."""
    if not path.is_file() or path.suffix == ".toml":
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    try:  # plain JSON is JSON5 too, and json reads it a thousand times faster than json5
        data = json.loads(text)
    except ValueError:
        import json5

        try:
            data = json5.loads(text)
        except ValueError:
            return None
    found = tuple(data.get(key) for key in keys) if isinstance(data, dict) else ()
    return found if found and all(isinstance(v, str) and v for v in found) else None


def tracker_config(args: argparse.Namespace, command: str):
    """``[tool.ttsbench]`` of the pyproject.toml nearest to ``--config`` (or named by it, deprecated)."""
    from ttsbench.track.config import load_config

    path = Path(args.config)
    if path.suffix == ".toml":
        print_warnings(command, [
            "--config PYPROJECT.toml is deprecated: --config names asv.conf.json, and "
            "[tool.ttsbench] is read from the pyproject.toml nearest to it",
        ])
        return load_config(path)
    folder = path.resolve().parent
    if not folder.is_dir():
        raise TtsbenchError(f"--config {path}: no folder {folder}; pass an existing asv.conf.json")
    return load_config(folder)


__all__ = [
    "add_bench_option", "add_config_option", "add_results_options", "asv_conf", "bench_pattern",
    "forget_printed", "print_warnings", "results_dir", "tracker_config",
]
