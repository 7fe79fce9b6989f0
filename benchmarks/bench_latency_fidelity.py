"""``cnnarch bench`` latency agrees with ``torch.utils.benchmark`` (a fidelity check, not a timed test).

In one process, with one thread count, on one resnet18 (random weights, eval mode, batch 1, CPU):

1. cnnarch's median latency (run A);
2. ``torch.utils.benchmark.Timer("model(x)").blocked_autorange()`` median, under
   ``torch.inference_mode`` like cnnarch;
3. cnnarch's median again (run B).

Targets: A within 10% of the Timer's median, and A and B within 5% of each other. The machine
is shared, so the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import os
import sys

os.environ.setdefault("KINETO_LOG_LEVEL", "6")  # the profiler's C++ log lines, read when torch loads

import torch
from common import table
from torch.utils.benchmark import Timer

from cnnarch.bench.runner import BenchSettings, run
from cnnarch.catalogue import build, get_spec, is_known

INPUT = (1, 3, 224, 224)


def resnet18() -> tuple[torch.nn.Module, str]:
    if is_known("resnet18"):
        return build(get_spec("resnet18")), "cnnarch catalogue"
    from torchvision.models import resnet18 as torchvision_resnet18  # the same network, until catalogued

    return torchvision_resnet18(weights=None), "torchvision (not yet in the catalogue)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--min-time", type=float, default=3.0, help="seconds per measurement")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, origin = resnet18()
    model.eval()
    settings = BenchSettings(
        device="cpu", batches=(1,), input_size="3x224x224", warmup=5, min_time=args.min_time,
        threads=args.threads,
    )  # fmt: skip

    def cnnarch_median() -> tuple[float, int]:
        row = run([("resnet18", model)], settings).rows[0]
        assert row.stats is not None, row.error
        return row.stats.median, row.stats.n

    ours_a, n_a = cnnarch_median()
    x = torch.randn(INPUT)
    timer = Timer("model(x)", globals={"model": model, "x": x}, num_threads=args.threads)
    with torch.inference_mode():
        measured = timer.blocked_autorange(min_run_time=args.min_time)
    reference = measured.median * 1e3
    ours_b, n_b = cnnarch_median()

    vs_timer = ours_a / reference
    repeat = ours_b / ours_a
    ok_timer = abs(vs_timer - 1) <= 0.10
    ok_repeat = abs(repeat - 1) <= 0.05
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"resnet18 ({origin}), batch 1, CPU, {args.threads} threads, fp32; load average {load}")
    print(
        table(
            ["measurement", "median", "samples"],
            [
                ["cnnarch bench, run A", f"{ours_a:.2f} ms", n_a],
                ["torch.utils.benchmark blocked_autorange", f"{reference:.2f} ms",
                 f"{len(measured.times)} blocks of {measured.number_per_run}"],
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
