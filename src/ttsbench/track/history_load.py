"""The one road from asv's results to the changes: load, analyse, add git metadata.

:func:`load_history` is what ``ttsbench history``, ``ttsbench confirm`` and ``ttsbench publish``
run: the results table (cached per file, :mod:`ttsbench.track.results_table`), the series
(:mod:`ttsbench.track.history_series`), their changes (:func:`ttsbench.track.history.analyse`,
cached per series), the stored re-measurements (:mod:`ttsbench.track.confirmations`) and each
change's author and subject from git.
"""

from __future__ import annotations

import dataclasses
import re
from functools import partial
from pathlib import Path

from ttsbench.errors import TtsbenchError
from ttsbench.progress import bar
from ttsbench.track import confirmations, gitrepo, history
from ttsbench.track.config import TrackerConfig
from ttsbench.track.loader import resolve_commit


@dataclasses.dataclass(frozen=True)
class LoadedHistory:
    """Series and changes (oldest first, with status and git metadata) of a results dir."""

    series: list
    changes: list
    order: dict[str, int]  # commit -> position in commit order
    warnings: list[str]

    @property
    def history(self) -> history.History:
        return history.History(self.series, self.changes, self.warnings)


def load_history(results_dir: Path | str, *, config: TrackerConfig, repo=None,
                 cache_dir: Path | str | None = None, machine: str | None = None,
                 env: str | None = None, bench: re.Pattern | None = None,
                 since: str | None = None, progress: bool = True,
                 verdicts_of: Path | str | None = None) -> LoadedHistory:
    """Every change of the selected series of ``results_dir``.

    ``repo``: a :class:`git.Repo` (or path) for commit order and metadata, or None (stored
    dates); ``cache_dir``: where the results table and the analysis are cached (None: no
    cache); ``machine``/``env``/``bench``: which series; ``since``: only changes at or after
    this revision; ``progress``: a progress bar on a terminal when reading takes over 2 s;
    ``verdicts_of``: the results dir whose ``ttsbench confirm`` verdicts apply (default
    ``results_dir``; publish reads a snapshot of the results and passes the original).
    """
    from ttsbench.track.history_series import series_from_table
    from ttsbench.track.results_table import load_table

    results_dir = Path(results_dir)
    repo = gitrepo.as_repo(repo)
    table = load_table(results_dir, None if cache_dir is None else Path(cache_dir),
                       progress=partial(bar, description="reading results", unit="file") if progress else None)
    series, order = series_from_table(table, results_dir, repo=repo, machine=machine, env=env,
                                      bench=bench, higher_is_better=config.higher_is_better)
    if not series:
        raise TtsbenchError(_nothing_found(results_dir, machine, env, bench, table.warnings))
    found = history.analyse(series, config, cache_dir,
                            confirmations.read(results_dir if verdicts_of is None else verdicts_of),
                            progress=partial(bar, description="analysing series", unit="batch") if progress else None)
    changes = found.changes
    if since:
        first = order[resolve_commit(since, list(order), repo=repo)]
        changes = [c for c in changes if order[c.commit] >= first]
    changes = history.with_metadata(changes, gitrepo.commit_metadata(repo, {c.commit for c in changes}, cache_dir))
    changes.sort(key=lambda c: (order[c.commit], c.machine, c.env, c.benchmark, c.param_key))
    return LoadedHistory(found.series, changes, order, table.warnings + found.warnings)


def _nothing_found(results_dir, machine, env, bench, warnings) -> str:
    if bench is not None:
        return (f"no benchmark in {results_dir} matches --bench {bench.pattern!r}; "
                "check the regex against `asv show` names")
    what = " and ".join(f"{k} {v!r}" for k, v in (("machine", machine), ("env", env)) if v)
    hint = "; ".join(warnings[:3])
    return (f"no readable results in {results_dir}{' for ' + what if what else ''}"
            f"{' (' + hint + ')' if hint else ''}; run asv or check --machine/--env")


__all__ = ["LoadedHistory", "load_history"]
