"""Progress bars for long runs (tqdm): on a terminal only, and only once the work takes over
``DELAY`` seconds. Off a terminal the items come back as they are, without importing tqdm (a
fiftieth of a second of every publish)."""

from __future__ import annotations

import sys

DELAY = 2.0


def bar(items, description: str, unit: str, total: int | None = None):
    """``items``, with a progress bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc=description, unit=unit, delay=DELAY, leave=False,
                file=sys.stderr)


__all__ = ["DELAY", "bar"]
