"""``cnnarch bench`` latency agrees with ``torch.utils.benchmark`` (a fidelity check, not a timed test).

In one process, with one thread count, on one resnet18 (random weights, eval mode, batch 1, CPU),
in rounds (3 by default), each round measuring in turn:

1. cnnarch's median latency (run A);
2. ``torch.utils.benchmark.Timer("model(x)").blocked_autorange()`` median, under
   ``torch.inference_mode`` like cnnarch;
3. cnnarch's median again (run B).

Each figure is the median of its rounds' medians. Targets: A within 10% of the Timer's median,
and A and B within 5% of each other. The machine is shared and its speed drifts over seconds,
so the three are measured in turn rather than one after the other (whose ratio would be the
drift), and the load average is printed with the figures.

One thread by default (``--threads N`` for more): with two threads on a two-core machine that
another process also uses, every parallel region waits for whichever thread the scheduler has
put aside, and a forward pass that takes 85 ms on one thread takes up to ten times longer and
swings with the other process's work. The check is that both timers agree at one thread count.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys

os.environ.setdefault("KINETO_LOG_LEVEL", "6")  # the profiler's C++ log lines, read when torch loads

import torch
from common import table

from cnnarch.bench.runner import BenchSettings, run
from cnnarch.catalogue import build, get_spec

INPUT = (1, 3, 224, 224)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for both timers (default 1)")
    parser.add_argument("--min-time", type=float, default=3.0, help="seconds per measurement, all rounds")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of A, Timer, B (default 3)")
    args = parser.parse_args()
    logging.getLogger("torch.utils.cpp_extension").setLevel(logging.ERROR)  # a CUDA_HOME notice on import
    from torch.utils.benchmark import Timer

    torch.set_num_threads(args.threads)
    model = build(get_spec("resnet18")).eval()  # one model (one set of random weights) for all three
    share = args.min_time / args.rounds
    settings = BenchSettings(
        device="cpu", batches=(1,), input_size="3x224x224", warmup=5, min_time=share,
        threads=args.threads,
    )  # fmt: skip

    def cnnarch_median() -> tuple[float, int]:
        row = run([("resnet18", model)], settings).rows[0]
        assert row.stats is not None, row.error
        return row.stats.median, row.stats.n

    x = torch.randn(INPUT)
    timer = Timer("model(x)", globals={"model": model, "x": x}, num_threads=args.threads)
    a, t, b = [], [], []
    n_a = n_b = blocks = 0
    for _ in range(args.rounds):
        median, n = cnnarch_median()
        a.append(median)
        n_a += n
        with torch.inference_mode():
            measured = timer.blocked_autorange(min_run_time=share)
        t.append(measured.median * 1e3)
        blocks += len(measured.times)
        median, n = cnnarch_median()
        b.append(median)
        n_b += n
    ours_a, reference, ours_b = statistics.median(a), statistics.median(t), statistics.median(b)
    vs_timer = ours_a / reference
    repeat = ours_b / ours_a
    ok_timer = abs(vs_timer - 1) <= 0.10
    ok_repeat = abs(repeat - 1) <= 0.05
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    threads = f"{args.threads} thread{'s' if args.threads != 1 else ''}"
    rounds = f"{args.rounds} rounds"
    print(f"resnet18 (cnnarch catalogue), batch 1, CPU, {threads}, fp32, {rounds}; load average {load}")
    print(
        table(
            ["measurement", "median", "samples"],
            [
                ["cnnarch bench, run A", f"{ours_a:.2f} ms", n_a],
                ["torch.utils.benchmark blocked_autorange", f"{reference:.2f} ms",
                 f"{blocks} blocks of {measured.number_per_run}"],
                ["cnnarch bench, run B", f"{ours_b:.2f} ms", n_b],
            ],
        )
    )  # fmt: skip
    print()
    print(
        table(
            ["target", "ratio", "limit", "result"],
            [
                ["A / Timer", f"{vs_timer:.3f}", "within 10%", "PASS" if ok_timer else "FAIL"],
                ["B / A", f"{repeat:.3f}", "within 5%", "PASS" if ok_repeat else "FAIL"],
            ],
        )
    )
    ok = ok_timer and ok_repeat
    print("\nresult:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
