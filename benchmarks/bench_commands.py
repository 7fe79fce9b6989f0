"""Whole commands as a person times them: cold (nothing cached) and warm (asked before).

Each command runs as a fresh process, all of them in turn with ``python -c "import torch"``, and
the median of 7 rounds is set against it (issue 16). Targets:
- warm (the result cache holds the answer; no torch import): ``summary resnet50`` and
  ``explain alexnet`` under 0.3 s, ``compare vgg16 googlenet resnet50`` under 0.4 s;
- cold (``CNNARCH_NO_CACHE=1``): ``summary resnet50 --format json`` at most 1.1x ``import torch``,
  ``compare vgg16 googlenet resnet50`` at most 1.3x.
The cache lives in a temporary directory, filled by one run of each warm command first.
``cnnarch --help`` runs in turn too: the start-up every command pays (Python, typer, rich), the
floor under a warm run. The load average is printed: on a shared machine every figure moves
with it, the ratios least.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from common import PYTHON, ROOT, fresh_bytecode, median_times_in_turn, table, verdict

PROBE = (
    "import runpy, sys; sys.argv = ['cnnarch', *sys.argv[1:]]\n"
    "try: runpy.run_module('cnnarch', run_name='__main__')\n"
    "except SystemExit: pass\n"
    "sys.stderr.write('torch imported' if 'torch' in sys.modules else 'torch not imported')"
)
WARM = [  # (arguments, seconds)
    (["summary", "resnet50"], 0.3),
    (["explain", "alexnet"], 0.3),
    (["compare", "vgg16", "googlenet", "resnet50"], 0.4),
]
ROUNDS = 7
COLD = [  # (arguments, times import torch)
    (["summary", "resnet50", "--format", "json"], 1.1),
    (["compare", "vgg16", "googlenet", "resnet50"], 1.3),
]


def run(argv: list[str], env: dict[str, str]) -> Callable[[], object]:
    return lambda: subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, env=env, check=True)


def imports_torch(args: list[str], env: dict[str, str]) -> bool:
    done = subprocess.run(
        [PYTHON, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True, env=env, check=False
    )
    return "torch imported" in done.stderr


def main() -> int:
    fresh_bytecode()
    script = Path(PYTHON).parent / "cnnarch"
    cnnarch = [str(script)] if script.exists() else [PYTHON, "-m", "cnnarch"]
    with tempfile.TemporaryDirectory(prefix="cnnarch-bench-cache-") as folder:
        base = {k: v for k, v in os.environ.items() if not k.startswith("CNNARCH_")}
        warm_env = {**base, "CNNARCH_CACHE_DIR": folder}
        cold_env = {**base, "CNNARCH_NO_CACHE": "1"}
        for args, _ in WARM:  # fill the cache
            subprocess.run([*cnnarch, *args], cwd=ROOT, stdout=subprocess.DEVNULL, env=warm_env, check=True)
        fns = [run([PYTHON, "-c", "import torch"], base), run([*cnnarch, "--help"], base)]
        fns += [run([*cnnarch, *args], warm_env) for args, _ in WARM]
        fns += [run([*cnnarch, *args], cold_env) for args, _ in COLD]
        torch, help_, *walls = median_times_in_turn(fns, repeat=ROUNDS)
        warm_torch = [imports_torch(args, warm_env) for args, _ in WARM]
    rows = [
        ['python -c "import torch"', "", f"{torch:.3f} s", "1.00", "yes", ""],
        ["cnnarch --help", "", f"{help_:.3f} s", f"{help_ / torch:.2f}", "no", ""],
    ]
    lines, ok = [], True
    for (args, limit), wall, heavy in zip(WARM, walls[: len(WARM)], warm_torch, strict=True):
        command = f"cnnarch {' '.join(args)}"
        passed = wall < limit and not heavy
        ok &= passed
        rows.append([command, "warm", f"{wall:.3f} s", f"{wall / torch:.2f}", "yes" if heavy else "no",
                     f"< {limit} s, no torch"])  # fmt: skip
        lines.append(verdict(f"warm {command}", f"{wall:.3f} s", f"< {limit} s, no torch import", passed))
    for (args, limit), wall in zip(COLD, walls[len(WARM) :], strict=True):
        command = f"cnnarch {' '.join(args)}"
        ratio = wall / torch
        ok &= ratio <= limit
        rows.append([command, "cold", f"{wall:.3f} s", f"{ratio:.2f}", "yes", f"<= {limit}x"])
        lines.append(verdict(f"cold {command}", f"{ratio:.2f}x import torch", f"<= {limit}x", ratio <= limit))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cpus = os.cpu_count()
    rounds = f"median of {ROUNDS}"
    print(f"Whole commands, fresh processes in turn, {rounds} (load average {load:.1f}, {cpus} CPUs)")
    print(table(["command", "cache", "wall", "/ import torch", "imports torch", "target"], rows))
    print()
    print("\n".join(lines))
    print("\nresult:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
