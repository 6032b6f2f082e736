"""The gate's measurement protocol: independent asv rounds per side, interleaved base/head.

asv 0.6 keeps no round boundaries: ``asv run`` appends each round's samples to one flat list per
benchmark (``Results.add_result(append_samples=True)``), so the samples of one round, which
share one process's luck, cannot be told from another round's. The protocol therefore runs asv
once per round and side (``asv run -a rounds=1 COMMIT^!``), each into its own results dir
under ``workdir`` (``base/round-01``, ``head/round-01``, ...), alternating which side goes
first. asv reads a temporary copy of the project's asv.conf.json that points ``results_dir``
and ``html_dir`` into ``workdir``, reuses the project's environments and build cache, and
keeps only the selected values of ``matrix.env_nobuild`` (``TTSBENCH_DEVICE=cpu`` on a CPU
job, so the cuda series is neither run nor listed). The project's own results are never
touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd
from asv import util as asv_util

from ttsbench.errors import TtsbenchError
from ttsbench.track.loader import COLUMNS, load_results
from ttsbench.track.protocol import Protocol

SIDES = ("base", "head")
ABSOLUTE_KEYS = ("repo", "benchmark_dir", "env_dir")


def round_config(asv_config: Path, workdir: Path, select: Mapping[str, str]) -> Path:
    """Write the temporary asv config (see the module docstring) into ``workdir``; its path."""
    asv_config = Path(asv_config).resolve()
    try:
        conf = asv_util.load_json(str(asv_config), js_comments=True)
    except (asv_util.UserError, OSError) as exc:
        raise TtsbenchError(f"cannot read {asv_config}: {exc}; pass the project's asv.conf.json") from None
    here = asv_config.parent
    for key in ABSOLUTE_KEYS:
        value = conf.get(key, {"benchmark_dir": "benchmarks", "env_dir": "env"}.get(key, "."))
        if "://" not in value:
            conf[key] = str((here / value).resolve())
    conf["results_dir"] = str(workdir / "results")
    conf["html_dir"] = str(workdir / "html")
    nobuild = conf.get("matrix", {}).get("env_nobuild", {})
    for name, value in select.items():
        if name in nobuild:
            nobuild[name] = [value]
    path = workdir / "asv.conf.json"
    path.write_text(json.dumps(conf, indent=2), encoding="utf-8")
    return path


def run_asv(args: list[str], cwd: Path, log: Path, env: Mapping[str, str] | None = None) -> int:
    """``python -m asv ARGS`` with its output appended to ``log``; asv's exit code."""
    with open(log, "a", encoding="utf-8") as out:
        out.write(f"$ asv {' '.join(args)}\n")
        out.flush()
        return subprocess.run(
            [sys.executable, "-m", "asv", *args], cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=dict(env or os.environ), check=False,
        ).returncode


def _ensure_machine(config: Path, machine: str, log: Path, env) -> None:
    from asv.machine import MachineCollection

    home = Path((env or os.environ).get("HOME", Path.home()))
    try:
        MachineCollection.load(machine, _path=str(home / ".asv-machine.json"))
    except asv_util.UserError:
        run_asv(["machine", "--yes", "--machine", machine, "--config", str(config)], config.parent, log, env)


def _load_round(results_dir: Path, machine: str | None) -> pd.DataFrame | None:
    """One round's results; None when asv recorded none (e.g. the commit failed to build)."""
    try:
        return load_results(results_dir, machine=machine)
    except TtsbenchError:
        return None


def measure_pair(base: str, head: str, *, asv_config: Path | str, workdir: Path | str,
                 protocol: Protocol = Protocol(), env: Mapping[str, str] | None = None,
                 progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run ``protocol`` on two full commit hashes; one row per side, round and benchmark case.

    The frame is :func:`~ttsbench.track.loader.load_results`'s with two more columns, ``side``
    ("base" or "head") and ``round`` (1, 2, ...). ``base`` may equal ``head`` (an A/A check).
    When a side's first round fails every benchmark (a failed build or suite import), nothing
    can be compared and no further round is run. asv's output goes to ``workdir/asv.log``.
    ``env``: the environment asv runs in (default: this process's).
    """
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "asv.log"
    config = round_config(Path(asv_config), workdir, protocol.select)
    _ensure_machine(config, protocol.machine, log, env)
    commits = dict(zip(SIDES, (base, head)))
    broken: set[str] = set()
    frames = []
    for number in range(1, protocol.rounds + 1):
        if broken:
            break
        order = SIDES if number % 2 else SIDES[::-1]
        for side in order:
            if progress:
                progress(f"round {number}/{protocol.rounds}: {side} {commits[side][:12]}")
            results = workdir / side / f"round-{number:02d}"
            config_round = json.loads(config.read_text(encoding="utf-8"))
            config_round["results_dir"] = str(results)
            config.write_text(json.dumps(config_round, indent=2), encoding="utf-8")
            run_asv(["run", "--config", str(config), "--machine", protocol.machine, "--record-samples",
                     "--show-stderr", "-a", "rounds=1", "--bench", protocol.bench, f"{commits[side]}^!"],
                    workdir, log, env)
            frame = _load_round(results, protocol.machine)
            if number == 1 and (frame is None or (frame["status"] == "failed").all()):
                broken.add(side)
            if frame is not None:
                frames.append(frame.assign(side=side, round=number))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*COLUMNS, "side", "round"])


def load_rounds(workdir: Path | str, machine: str | None = None) -> pd.DataFrame:
    """The frame :func:`measure_pair` returned, read back from its ``workdir`` (rounds asv did
    not finish are left out)."""
    workdir = Path(workdir)
    frames = [frame.assign(side=side, round=int(results.name.split("-")[1]))
              for side in SIDES for results in sorted((workdir / side).glob("round-*"))
              if (frame := _load_round(results, machine)) is not None]
    if not frames:
        raise TtsbenchError(f"no gate rounds under {workdir} (expected base/round-01 ...); "
                            "pass a --workdir of ttsbench gate")
    return pd.concat(frames, ignore_index=True)
