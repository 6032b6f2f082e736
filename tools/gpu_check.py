"""Run every CUDA path of the engine once, within a time budget, and write one JSON report.

Used by tools/gpu_check.sh on a bare GPU box: only the source tree (PYTHONPATH=src and the
repository root), PyTorch with CUDA, numpy, scipy, pandas, jinja2, matplotlib, nvidia-ml-py,
psutil and pytest are assumed; neither asv nor gitpython. Steps, in order, each with a share
of the budget: the CUDA tests (pytest), ``ttsbench e2e`` at 0.6b and 1.7b in bf16 with and
without CUDA graphs for both arches (short and medium fixtures), one quick pass over every
tier-2 case on cuda (the asv classes called directly: setup, one timed call, teardown), and the
GPU memory NVML saw throughout (sampled at 10 Hz). Without a CUDA device the report says so and nothing runs.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import itertools
import json
import os
import pkgutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
E2E_RUNS = [(variant, graphs, arch) for variant in ("0.6b-base", "1.7b-base")
            for graphs in (False, True) for arch in ("unified", "separate")]
CUDA_TESTS = ["tests/test_engine_cuda.py"]


class NvmlSampler(threading.Thread):
    """Peak and last GPU memory used (MB, whole device) sampled every 0.1 s via NVML."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_mb = self.total_mb = None
        self.error = None
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            import pynvml

            pynvml.nvmlInit()
            handle = pynvml.nvmlDeviceGetHandleByIndex(0)
            while not self.stopping.is_set():
                info = pynvml.nvmlDeviceGetMemoryInfo(handle)
                self.total_mb = info.total / 2**20
                self.peak_mb = max(self.peak_mb or 0.0, info.used / 2**20)
                self.stopping.wait(0.1)
            pynvml.nvmlShutdown()
        except Exception as exc:  # no nvidia-ml-py or no driver: say so in the report
            self.error = f"{type(exc).__name__}: {exc}"


def _run(command: list[str], timeout: float, env: dict) -> dict:
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=max(1.0, timeout))
        status = "ok" if done.returncode == 0 else f"exit {done.returncode}"
        tail = (done.stdout + done.stderr)[-2000:]
    except subprocess.TimeoutExpired:
        status, tail = "timeout", f"stopped after {timeout:.0f} s"
    return {"command": " ".join(command), "status": status,
            "seconds": round(time.perf_counter() - start, 1), "output_tail": tail}


def _tier2_cases():
    import benchmarks.tier2 as tier2

    for info in pkgutil.iter_modules(tier2.__path__):
        module = importlib.import_module(f"benchmarks.tier2.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or name.startswith("_"):
                continue
            methods = [m for m in dir(cls) if m.startswith(("time_", "track_"))]
            if not methods:
                continue
            params = cls.params if isinstance(cls.params, tuple) else (cls.params,)
            for combo in itertools.product(*params):
                yield f"{info.name}.{name}", cls, methods, combo


def tier2_quick(deadline: float) -> list[dict]:
    """Each tier-2 case once on cuda (setup, one call per method, teardown) until ``deadline``."""
    import torch

    results = []
    for label, cls, methods, combo in _tier2_cases():
        entry = {"case": f"{label}{combo}"}
        if time.monotonic() > deadline:
            entry["status"] = "not reached (budget spent)"
            results.append(entry)
            continue
        instance = cls()
        args = combo
        try:
            if hasattr(cls, "setup_cache"):
                args = (instance.setup_cache(), *combo)
            instance.setup(*args)
        except NotImplementedError as skip:
            entry.update(status="skipped", reason=str(skip))
            results.append(entry)
            continue
        except Exception as exc:
            entry.update(status="failed in setup", reason=f"{type(exc).__name__}: {exc}")
            results.append(entry)
            continue
        entry["status"] = "ok"
        for method in methods:
            start = time.perf_counter()
            try:
                value = getattr(instance, method)(*args)
                torch.cuda.synchronize()
                entry[method] = value if value is not None else round(
                    (time.perf_counter() - start) * 1e3, 3)
            except Exception as exc:
                entry["status"] = "failed"
                entry[method] = f"{type(exc).__name__}: {exc}"
        if hasattr(instance, "teardown"):
            instance.teardown(*args)
        results.append(entry)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("gpu_check.json"))
    parser.add_argument("--budget", type=float, default=480.0, help="seconds in all (default 480)")
    args = parser.parse_args(argv)
    import torch

    report = {"torch": torch.__version__, "python": sys.version.split()[0],
              "budget_s": args.budget, "cuda": torch.cuda.is_available()}
    if not report["cuda"]:
        report["result"] = "no CUDA device: torch.cuda.is_available() is False; nothing ran"
        args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"gpu_check: no CUDA device here (torch {torch.__version__}); wrote {args.output}")
        return 0
    start = time.monotonic()
    report["device_name"] = torch.cuda.get_device_name(0)
    sampler = NvmlSampler()
    sampler.start()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
           "TTSBENCH_DEVICE": "cuda"}
    python = sys.executable
    report["cuda_tests"] = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                                 *CUDA_TESTS], 0.15 * args.budget, env)
    out = args.output.parent / "gpu_check_e2e"
    out.mkdir(exist_ok=True)
    e2e = []
    share = 0.55 * args.budget / len(E2E_RUNS)
    for variant, graphs, arch in E2E_RUNS:
        path = out / f"{variant}-{arch}-{'graphs' if graphs else 'eager'}.json"
        command = [python, "-m", "ttsbench", "e2e", "--variant", variant, "--device", "cuda",
                   "--dtype", "bfloat16", "--arch", arch, "--iterations", "1", "--warmup", "1",
                   "--inputs", "short,medium",
                   "--json-output", str(path), *(["--cuda-graphs"] if graphs else [])]
        step = _run(command, share, env)
        if path.is_file():
            step["report"] = json.loads(path.read_text(encoding="utf-8"))
        e2e.append(step)
    report["e2e"] = e2e
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    os.environ["TTSBENCH_DEVICE"] = "cuda"
    report["tier2_quick"] = tier2_quick(start + args.budget - 10)
    sampler.stopping.set()
    sampler.join(timeout=2)
    report["nvml"] = {"peak_used_mb": sampler.peak_mb, "total_mb": sampler.total_mb,
                      "error": sampler.error}
    report["seconds"] = round(time.monotonic() - start, 1)
    failed = [s["command"] for s in [report["cuda_tests"], *e2e] if s["status"] != "ok"]
    failed += [c["case"] for c in report["tier2_quick"] if c["status"].startswith("failed")]
    report["failed"] = failed
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"gpu_check: {report['device_name']}, {report['seconds']} s, {len(failed)} failed; "
          f"wrote {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
