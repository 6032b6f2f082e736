"""Test-wide settings: one torch intra-op thread (a shared 2-core runner only gains contention)."""

import pytest
import torch


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def shared_history(name: str = "BLAS-Benchmarks"):
    """The results dir of a shared asv history, resolved as tools/shared_data.py does (the
    ``TTSBENCH_SHARED_DATA`` variable, else ``../shared/data`` beside the repository), and the
    skip mark for tests that need it."""
    from tools.shared_data import missing_reason, shared_data

    path = shared_data() / "asv-histories" / name / "results"
    return path, pytest.mark.skipif(not path.is_dir(), reason=missing_reason(path))
