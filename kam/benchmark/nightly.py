"""Run one nightly job in this fresh process and print its wall time and peak memory as JSON.

    python -m kam.benchmark.nightly call_plans [--tracemalloc]

A fresh process makes the peak resident memory (ru_maxrss) the job's own, not the benchmark's. With
--tracemalloc the peak of Python allocations is traced as well (slower, so the wall time of that run is not
the one to quote).
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
import tracemalloc

JOBS = {
    "call_plans": ("interactions.services", "call_plans_recompute"),
    "performance": ("performance.services", "performance_recompute"),
}


def job_function(name: str):
    """The job's function, or None when it does not exist on this branch yet."""
    module_name, function_name = JOBS[name]
    module = importlib.import_module(module_name)
    return getattr(module, function_name, None)


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rss_mb() -> float:
    return _status_mb("VmRSS")


def _peak_rss_mb() -> float:
    # The kernel updates the high-water mark lazily, so it can trail the current size by a few pages.
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, _status_mb("VmHWM"), _rss_mb())


def run(name: str, *, trace: bool) -> dict:
    function = job_function(name)
    if function is None:
        return {"job": name, "available": False, "note": f"{'.'.join(JOBS[name])} does not exist yet"}
    baseline_rss = _rss_mb()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    outcome = function()
    wall = time.perf_counter() - started
    result = {
        "job": name,
        "available": True,
        "function": ".".join(JOBS[name]),
        "wall_s": round(wall, 2),
        "result": outcome if isinstance(outcome, (int, float, str, type(None))) else repr(outcome),
        "baseline_rss_mb": round(baseline_rss, 1),
        "peak_rss_mb": round(_peak_rss_mb(), 1),
    }
    result["peak_rss_delta_mb"] = round(result["peak_rss_mb"] - baseline_rss, 1)
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        result["tracemalloc_peak_mb"] = round(peak / 2**20, 1)
    return result


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    import django

    django.setup()
    name = argv[0]
    print(json.dumps(run(name, trace="--tracemalloc" in argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
