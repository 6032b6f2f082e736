"""What the `ttsbench claims` tests share: seeded sample runs, a claims file, one CLI call."""

import numpy as np

from ttsbench.cli import main


def lognormal_run(seed, scale, n=20):
    """``n`` seeded timings around ``scale`` with 1% spread."""
    return list(np.random.default_rng(seed).lognormal(np.log(scale), 0.01, n))


def write_claims(tmp_path, body):
    """``body`` as ``claims.toml`` under ``tmp_path``; its path."""
    path = tmp_path / "claims.toml"
    path.write_text(body, encoding="utf-8")
    return path


def run_claims(capsys, path, revisions, results, *extra):
    """(exit code, stdout, stderr) of ``ttsbench claims PATH REVISIONS... --results RESULTS``."""
    code = main(["claims", str(path), *revisions, "--results", str(results), *extra])
    return (code, *capsys.readouterr())
