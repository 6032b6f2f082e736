"""Exit codes and the one error type every command turns into a single line.

Exit codes of every ``ttsbench`` command:

* 0 (``EXIT_OK``): done; nothing at or above the failure threshold.
* 1 (``EXIT_REGRESSION``): a regression at or above the threshold was found
  (``compare --fail-on``, ``bisect`` naming a culprit, ``claims`` with a claim not validated).
* 2 (``EXIT_USAGE``): bad usage or bad data (unknown commit, no results, unreadable file);
  nothing could be measured, so nothing is reported as fine or as regressed.
"""

EXIT_OK = 0
EXIT_REGRESSION = 1
EXIT_USAGE = 2


class TtsbenchError(Exception):
    """A user-facing error: printed as one line (what, where, what to do), never a traceback."""

    exit_code = EXIT_USAGE


class TrackerWarning(UserWarning):
    """Something skipped or assumed (an unreadable result file): the command goes on, and
    ``ttsbench.cli.main`` prints it as one ``warning:`` line the moment it is issued."""
