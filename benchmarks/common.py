"""Measurement helpers shared by the benchmark scripts (not timed unit tests: the machines are
shared and noisy, so each script reports ratios measured in one run)."""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def fresh_bytecode() -> None:
    """Compile cnnarch's modules whose bytecode is older than their source, as ``make`` does
    before ``make bench``: with ``PYTHONDONTWRITEBYTECODE`` set (as on these machines) a script
    run by hand would otherwise time the compiling of every module changed since (8 ms for
    ``trace/replay.py`` alone), not the command."""
    subprocess.run(
        [PYTHON, "-m", "compileall", "-q", str(ROOT / "src")], check=True, stdout=subprocess.DEVNULL
    )


def best_times_in_turn(fns: list[Callable[[], object]], repeat: int = 5, warmup: int = 1) -> list[float]:
    """The fastest of ``repeat`` calls of each function, in seconds (the least disturbed by other
    load), the functions called in turn, so that a ratio between them compares calls made
    under the same load rather than the machine's drift."""
    for fn in fns:
        for _ in range(warmup):
            fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def median_times_in_turn(fns: list[Callable[[], object]], repeat: int = 5, warmup: int = 1) -> list[float]:
    """The median of ``repeat`` calls of each function, in seconds, the functions called in turn
    (the whole-process targets of issue 16 are medians: a typical run, not the luckiest). Each
    round starts one function later than the last, so that no function always runs in the same
    place (right after the longest one, say) and takes that place's luck."""
    for fn in fns:
        for _ in range(warmup):
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for round_ in range(repeat):
        for k in range(len(fns)):
            i = (round_ + k) % len(fns)
            start = time.perf_counter()
            fns[i]()
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def verdict(target: str, measured: str, limit: str, ok: bool) -> str:
    """One target's line: ``run_all.py`` collects these into the list ``make bench`` ends with."""
    return f"target: {target}: {measured} ({limit}) {'PASS' if ok else 'FAIL'}"


def peak_rss_mib(argv: list[str]) -> float:
    """Peak resident memory of a fresh process running ``argv``, in MiB (Linux ru_maxrss is KiB)."""
    probe = (
        "import resource, subprocess, sys; "
        "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if done.returncode == 0 else -1)"
    )
    out = subprocess.run([PYTHON, "-c", probe, *argv], capture_output=True, text=True, check=True)
    kib = int(out.stdout.strip())
    if kib < 0:
        raise RuntimeError(f"{argv} failed")
    return kib / 1024


def self_peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table, for the terminal and for RESULTS.md alike."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
