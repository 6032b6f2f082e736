"""The pinned end-to-end inputs: the fixture texts and how many codec frames each one generates.

The weights are random, so EOS would fire at an arbitrary frame; end-to-end runs therefore
generate a fixed number of frames per text (``fixed_length=True``), derived from its length at a
typical English speaking rate of ``CHARS_PER_SECOND`` characters per second and the codec's
12.5 frames per second. The three fixtures (``fixtures/short.txt``, ``medium.txt``,
``long.txt``) come to about 1 s, 5 s and 20 s of audio. Fixtures are only ever appended, never
changed: changing a text or this rule changes what every benchmark measures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ttsbench.engine.config import FRAME_RATE_HZ
from ttsbench.errors import TtsbenchError

CHARS_PER_SECOND = 15.0
INPUT_NAMES = ("short", "medium", "long")


def frames_for_text(text: str) -> int:
    """Codec frames of speech for ``text`` at ``CHARS_PER_SECOND`` (at least one frame)."""
    return max(1, math.ceil(len(text.strip()) * FRAME_RATE_HZ / CHARS_PER_SECOND))


@dataclass(frozen=True)
class Workload:
    """One named input: its text and the frames generated for it."""

    name: str
    text: str
    frames: int

    @property
    def audio_seconds(self) -> float:
        return self.frames / FRAME_RATE_HZ


def load_workloads(
    fixtures_dir: str | Path, names: tuple[str, ...] = INPUT_NAMES
) -> list[Workload]:
    """``<fixtures_dir>/<name>.txt`` for each name; TtsbenchError when one is missing or empty."""
    workloads = []
    for name in names:
        path = Path(fixtures_dir) / f"{name}.txt"
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise TtsbenchError(
                f"cannot read fixture {path}: {exc.strerror}; run from the repository root "
                "or pass --fixtures-dir"
            ) from None
        if not text:
            raise TtsbenchError(f"fixture {path} is empty; it must hold the text to synthesize")
        workloads.append(Workload(name, text, frames_for_text(text)))
    return workloads
