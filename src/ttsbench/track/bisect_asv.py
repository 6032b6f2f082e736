"""asv as the source of a bisection's samples (``ttsbench bisect``'s :class:`Measurements`)."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from pathlib import Path

from ttsbench.errors import TtsbenchError
from ttsbench.track.bisect_runs import Observed, SeriesKey


class AsvMeasurements:
    """Builds and runs commits with asv's Python API (as ``asv find`` does), recording samples.

    Each :meth:`measure` is one ``asv run COMMIT^! --bench REGEX --append-samples``: the results
    file of the commit gains that run's samples, which are read back with
    :func:`ttsbench.track.loader.load_results` (the new ones are the tail asv appended).
    """

    def __init__(self, config_path: Path, bench: str, machine: str | None, commits: list[str]):
        from asv import util as asv_util
        from asv.benchmarks import Benchmarks
        from asv.commands.setup import Setup
        from asv.config import Config
        from asv.machine import Machine, MachineCollection
        from asv.repo import get_repo

        self.root = Path(config_path).resolve().parent
        with self._in_root():
            try:
                self.conf = Config.load(str(config_path))
                # Blocks return to the same commits again and again: keep all their wheels.
                cached = getattr(self.conf, "build_cache_size", 2)
                self.conf.build_cache_size = max(cached, len(commits))
                if machine is not None:
                    _known_machine(machine, MachineCollection)
                self.machine = Machine.load(machine_name=machine, interactive=True, use_defaults=True)
                self.machine.save(self.conf.results_dir)
                self.repo = get_repo(self.conf)
                self.environments = [
                    env for env in Setup.run(self.conf, parallel=1) if env.can_install_project()
                ]
                self.benchmarks = Benchmarks.discover(
                    self.conf, self.repo, self.environments, [commits[-1], commits[0]], regex=bench
                )
            except asv_util.UserError as exc:
                raise TtsbenchError(f"asv: {str(exc).strip().splitlines()[0]}") from None
            if not self.benchmarks:
                raise TtsbenchError(
                    f"no benchmark matches --bench {bench!r} in {self.conf.benchmark_dir}; "
                    "check the regex against the names `asv check` lists"
                )
            self.benchmarks.save()
        self.results_dir = (self.root / self.conf.results_dir).resolve()
        self.names = set(self.benchmarks.keys())
        self.seen = self._history()

    def _in_root(self):
        return contextlib.chdir(self.root)

    def _history(self) -> dict[str, dict[SeriesKey, Observed]]:
        """The samples the results hold for the selected benchmarks, by commit and series."""
        from ttsbench.track.loader import load_results

        try:
            frame = load_results(self.results_dir, machine=self.machine.machine)
        except TtsbenchError:
            return {}  # no results yet
        rows = frame[frame["benchmark"].isin(self.names) & (frame["status"] == "ok")]
        history: dict[str, dict[SeriesKey, Observed]] = {}
        for row in rows.itertuples():
            if row.samples:
                key = SeriesKey(row.benchmark, row.param_key, row.env)
                observed = Observed(tuple(row.samples), bool(row.higher_is_better), row.unit)
                history.setdefault(row.commit, {})[key] = observed
        return history

    def measure(self, commit: str) -> dict[SeriesKey, Observed]:
        from asv import util as asv_util
        from asv.console import log as asv_log
        from asv.results import Results
        from asv.runner import run_benchmarks, skip_benchmarks

        with self._in_root():
            for env in self.environments:
                params = dict(self.machine.__dict__, python=env.python, **env.requirements)
                result = Results(
                    params, env.requirements, commit, self.repo.get_date(commit),
                    env.python, env.name, env.env_vars,
                )
                result.load_data(self.conf.results_dir)
                # A failed build would dump pip's whole log and traceback; the bisection
                # reports the commit as skipped in one line instead.
                with asv_log.set_level(logging.CRITICAL):
                    try:
                        env.install_project(self.conf, self.repo, commit)
                        built = True
                    except asv_util.ProcessError:
                        skip_benchmarks(self.benchmarks, env, results=result)
                        built = False
                if built:
                    run_benchmarks(
                        self.benchmarks, env, results=result,
                        record_samples=True, append_samples=True,
                    )
                result.save(self.conf.results_dir)
        before, self.seen = self.seen.get(commit, {}), self._history()
        added = {}
        for key, now in self.seen.get(commit, {}).items():
            old = before.get(key)
            kept = len(old.samples) if old and now.samples[: len(old.samples)] == old.samples else 0
            if len(now.samples) - kept >= 2:
                added[key] = dataclasses.replace(now, samples=now.samples[kept:])
        return added


def _known_machine(machine: str, collection) -> None:
    from asv import util as asv_util

    try:
        collection.load(machine)
    except asv_util.UserError:
        raise TtsbenchError(
            f"asv knows no machine {machine!r} (~/.asv-machine.json); "
            f"run `asv machine --machine {machine} --yes` first or drop --machine"
        ) from None


__all__ = ["AsvMeasurements"]
