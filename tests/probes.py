"""A small valid asv results dir (and claims file) to break on purpose: the bad-input tests.

``make_results(root, regression=...)`` writes BASE and HEAD (and OTHER, a commit neither
compares) for four benchmarks with samples; with ``regression`` HEAD's ``b.time_b`` is 30 %
slower, otherwise nothing changes beyond noise. Helpers read and rewrite a result file's JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from asvresults import ENV, bench, write_benchmarks, write_result

BASE, HEAD, OTHER = "a1" * 20, "b2" * 20, "c3" * 20
MACHINE = "box"
SPECS = {
    "b.time_a": {"param_names": ["n"], "params": [["1", "2"]]},
    "b.time_b": {},
    "b.track_c": {"unit": "tokens/s"},
    "b.mem_d": {"unit": "bytes"},
}
CLAIMS = """\
alpha = 0.05
min_effect = 0.2

[[claim]]
name = "b is 20-40 % slower"
benchmark = "time_b"
change = ["+20%", "+40%"]

[[claim]]
name = "a stays"
benchmark = "time_a"
params = "n=1"
change = ["-5%", "+5%"]
"""


def _timed(seed: int, scale: float, n: int = 12) -> list[float]:
    return [float(x) for x in np.random.default_rng(seed).lognormal(np.log(scale), 0.01, n)]


def _entries(seed: int, slow_b: float) -> dict:
    a = [_timed(seed, 1e-3), _timed(seed + 1, 2e-3)]
    b, d = _timed(seed + 2, 1e-3 * slow_b), _timed(seed + 3, 1e6)
    return {
        "b.time_a": bench([float(np.median(s)) for s in a], samples=a, params=[["1", "2"]]),
        "b.time_b": bench([float(np.median(b))], samples=[b]),
        "b.track_c": bench([100.0]),
        "b.mem_d": bench([float(np.median(d))], samples=[d]),
    }


def make_results(root: Path, *, regression: bool) -> Path:
    """The results dir under ``root``; HEAD's b.time_b 30 % slower when ``regression``."""
    results = root / "results"
    write_benchmarks(results, SPECS)
    write_result(results, MACHINE, BASE, _entries(1, 1.0), date=1_000)
    write_result(results, MACHINE, HEAD, _entries(11, 1.3 if regression else 1.0), date=2_000)
    write_result(results, MACHINE, OTHER, _entries(21, 1.0), date=3_000)
    (root / "claims.toml").write_text(CLAIMS, encoding="utf-8")
    return results


def result_path(results: Path, commit: str) -> Path:
    return results / MACHINE / f"{commit[:8]}-{ENV}.json"


def read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, data) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")
