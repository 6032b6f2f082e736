"""ttsbench's asv suite.

``tier1``: per-frame kernels, any CPU, no weights. ``tier2``: end-to-end pipeline stages.
Select a tier with ``asv run --bench '^tier1\\.'``. Shared helpers live in :mod:`benchmarks.common`.
"""
