"""Peak memory over a block of code: host RSS, torch's CUDA allocator and whole-device NVML usage.

``with track_peak_memory(device) as tracker: ...`` then ``tracker.result`` is a
:class:`PeakMemory`. A background thread samples the process's resident set size (psutil) and,
on CUDA, the device's used memory as NVML reports it (every process on the GPU, the CUDA context
included) every ``interval_s``; a sample is also taken on entry and on exit so a block shorter
than one interval is still seen. On CUDA the allocator's own peaks come from
``torch.cuda.max_memory_allocated`` / ``max_memory_reserved`` after
``torch.cuda.reset_peak_memory_stats`` on entry: exact, no sampling. All figures are MiB.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import psutil
import torch

MIB = 2**20


@dataclass(frozen=True)
class PeakMemory:
    """Peaks over one tracked block, in MiB; the CUDA fields are None on CPU."""

    host_rss_mb: float
    host_rss_baseline_mb: float
    cuda_allocated_mb: float | None = None
    cuda_reserved_mb: float | None = None
    device_used_mb: float | None = None

    @property
    def peak_mb(self) -> float:
        """The headline figure: host RSS on CPU, the CUDA allocator's reserved peak on CUDA."""
        return self.host_rss_mb if self.cuda_reserved_mb is None else self.cuda_reserved_mb


class _NvmlDevice:
    """Used memory of one GPU through NVML, matched to the torch device by UUID."""

    def __init__(self, dev: torch.device):
        import pynvml

        self._nvml = pynvml
        pynvml.nvmlInit()
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        uuid = getattr(torch.cuda.get_device_properties(index), "uuid", None)
        if uuid is not None:
            self._handle = pynvml.nvmlDeviceGetHandleByUUID(f"GPU-{uuid}")
        else:
            self._handle = pynvml.nvmlDeviceGetHandleByIndex(index)

    def used_bytes(self) -> int:
        return self._nvml.nvmlDeviceGetMemoryInfo(self._handle).used

    def close(self) -> None:
        self._nvml.nvmlShutdown()


def _open_nvml(dev: torch.device) -> _NvmlDevice | None:
    """NVML for ``dev``, or None when the library or driver is unavailable (figure left None)."""
    try:
        return _NvmlDevice(dev)
    except Exception:  # pynvml missing, no driver, or a UUID NVML does not know
        return None


class MemoryTracker:
    """Samples memory on a background thread between ``start()`` and ``stop()``."""

    def __init__(self, device: torch.device | str = "cpu", interval_s: float = 0.005):
        self.device = torch.device(device)
        self.interval_s = interval_s
        self.samples = 0
        self.result: PeakMemory | None = None
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._nvml: _NvmlDevice | None = None
        self._baseline_rss = 0
        self._peak_rss = 0
        self._peak_device = 0

    def _sample(self) -> None:
        self._peak_rss = max(self._peak_rss, self._process.memory_info().rss)
        if self._nvml is not None:
            self._peak_device = max(self._peak_device, self._nvml.used_bytes())
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def start(self) -> MemoryTracker:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._nvml = _open_nvml(self.device)
        self._baseline_rss = self._process.memory_info().rss
        self._sample()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> PeakMemory:
        cuda = self.device.type == "cuda"
        if cuda:
            torch.cuda.synchronize(self.device)
        self._sample()
        self._stop.set()
        self._thread.join()
        self.result = PeakMemory(
            host_rss_mb=self._peak_rss / MIB,
            host_rss_baseline_mb=self._baseline_rss / MIB,
            cuda_allocated_mb=torch.cuda.max_memory_allocated(self.device) / MIB if cuda else None,
            cuda_reserved_mb=torch.cuda.max_memory_reserved(self.device) / MIB if cuda else None,
            device_used_mb=self._peak_device / MIB if self._nvml is not None else None,
        )
        if self._nvml is not None:
            self._nvml.close()
        return self.result

    def __enter__(self) -> MemoryTracker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def track_peak_memory(
    device: torch.device | str = "cpu", interval_s: float = 0.005
) -> MemoryTracker:
    """A context manager measuring peak memory of its block on ``device`` (see module docs)."""
    return MemoryTracker(device, interval_s)
