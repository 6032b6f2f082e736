"""The server's Prometheus metrics, in a registry of its own (one per app)."""

from __future__ import annotations

from prometheus_client import (CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector,
                               generate_latest)
from prometheus_client import CONTENT_TYPE_LATEST  # noqa: F401  (re-exported for the app)

_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class ServerMetrics:
    """Request outcomes, latency, audio produced, batch occupancy and the process (RSS, CPU)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        registry = self.registry
        self.requests = Counter(
            "ttsbench_requests", "Speech requests by outcome (ok, bad_request, rejected, "
            "cancelled, failed)", ["outcome"], registry=registry)
        self.time_to_first_audio = Histogram(
            "ttsbench_time_to_first_audio_seconds", "Request received to first audio chunk",
            buckets=_LATENCY_BUCKETS, registry=registry)
        self.request_duration = Histogram(
            "ttsbench_request_duration_seconds", "Request received to last audio chunk",
            buckets=_LATENCY_BUCKETS, registry=registry)
        self.audio_seconds = Counter(
            "ttsbench_audio_seconds", "Seconds of audio produced", registry=registry)
        self.active = Gauge("ttsbench_active_requests", "Requests in the batch", registry=registry)
        self.queued = Gauge("ttsbench_queued_requests", "Requests waiting to join the batch",
                            registry=registry)
        self.batch_size = Histogram(
            "ttsbench_batch_size", "Requests per batched frame step",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128), registry=registry)
        self.step_seconds = Histogram(
            "ttsbench_frame_step_seconds", "Wall time of one batched frame step",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1), registry=registry)

    def exposition(self) -> bytes:
        """The text format ``GET /metrics`` returns."""
        return generate_latest(self.registry)
