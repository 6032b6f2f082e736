"""The gate's protocol settings (torch-, pandas- and asv-free, so the CLI's help stays fast)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ttsbench.errors import TtsbenchError

MAX_ROUNDS = 50


@dataclasses.dataclass(frozen=True)
class Protocol:
    """How the gate measures: rounds per side, the asv benchmark regex, machine, env selection.

    ``select`` keeps one value of a ``matrix.env_nobuild`` variable of asv.conf.json (the
    device), so a CPU job neither runs nor lists the cuda series. 10 rounds a side of tier 1 take
    about 4 minutes on this project's 2-core box (docs/statistics.md).
    """

    rounds: int = 10
    bench: str = r"^tier1\."
    machine: str = "gate"
    select: Mapping[str, str] = dataclasses.field(default_factory=lambda: {"TTSBENCH_DEVICE": "cpu"})

    def __post_init__(self):
        if isinstance(self.rounds, bool) or not isinstance(self.rounds, int) or not 2 <= self.rounds <= MAX_ROUNDS:
            raise TtsbenchError(
                f"rounds must be an integer from 2 to {MAX_ROUNDS} (independent processes per side), "
                f"got {self.rounds!r}; use e.g. --rounds 10"
            )
