"""Where the shared benchmark histories live: ``$TTSBENCH_SHARED_DATA``, else ``../shared/data``
beside the repository root. Never an absolute path in code: checkouts live in different places."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "TTSBENCH_SHARED_DATA"
REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_data() -> Path:
    """The shared data folder (it may be absent: callers check and say so)."""
    return Path(os.environ.get(ENV_VAR) or REPO_ROOT.parent / "shared" / "data")


def blas_results() -> Path:
    """The BLAS-Benchmarks asv results (a real history of another project, format v2)."""
    return shared_data() / "asv-histories" / "BLAS-Benchmarks" / "results"


def missing_reason(path: Path) -> str:
    """Why a check that needs ``path`` cannot run."""
    return f"shared history {path} absent: set {ENV_VAR} or put the shared data at ../shared/data"
