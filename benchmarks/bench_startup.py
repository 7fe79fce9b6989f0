"""``cnnarch --help``, ``cnnarch list`` and every ``cnnarch calc`` must start fast: they never
import torch.

Prints the wall time of a fresh process for each (the console script, best of 10, all the
commands in turn after one warm-up round) next to a
bare interpreter and to ``python -c "import torch"``, and checks in the same processes that
torch was not imported. Targets: under 0.3 s each, and at most half of importing torch.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from common import PYTHON, ROOT, best_times_in_turn, fresh_bytecode, table

PROBE = (
    "import runpy, sys; sys.argv = ['cnnarch', *sys.argv[1:]]\n"
    "try: runpy.run_module('cnnarch', run_name='__main__')\n"
    "except SystemExit: pass\n"
    "sys.stderr.write('torch imported' if 'torch' in sys.modules else 'torch not imported')"
)


CALC = [
    ["calc", "conv", "227", "-k", "11", "-s", "4", "-c", "3", "-n", "96"],
    ["calc", "pool", "55", "-k", "3", "-s", "2", "-c", "96"],
    ["calc", "tconv", "14", "-k", "4", "-s", "2", "-p", "1", "-c", "64", "-n", "32"],
    ["calc", "fc", "9216", "4096"],
    ["calc", "gap", "512x7x7"],
    ["calc", "rf", "conv7s2 pool3s2 conv3 conv3"],
    ["calc", "stack", "7", "--as", "3,3,3", "--channels", "256"],
    ["calc", "factorize", "7"],
    ["calc", "bottleneck", "--in", "192", "--reduce", "64", "--out", "256"],
    ["calc", "separable", "-k", "3", "--in", "64", "--out", "128"],
    ["calc", "head", "512x7x7"],
    ["calc", "memory", "96x55x55", "--batch", "32", "--dtype", "fp16"],
    ["calc", "anchors"],
    ["calc", "group", "--in", "240", "--out", "240", "-g", "3"],
    ["calc", "fire", "--in", "96", "--squeeze", "16", "--expand", "64,64"],
    ["calc", "residual", "--in", "256", "--width", "64", "--expansion", "4"],
]
"""Every calculator subcommand: arithmetic, so it must not import torch either (issue 16 §1)."""


def run(argv: list[str]) -> Callable[[], object]:
    return lambda: subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)


def imports_torch(args: list[str]) -> bool:
    done = subprocess.run([PYTHON, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return "torch imported" in done.stderr


def main() -> int:
    fresh_bytecode()
    script = Path(PYTHON).parent / "cnnarch"  # the console script a user runs
    cnnarch = [str(script)] if script.exists() else [PYTHON, "-m", "cnnarch"]
    commands = [["--help"], ["list"], ["list", "--format", "json"], *CALC]
    argvs = [[PYTHON, "-c", "pass"], [PYTHON, "-c", "import torch"], *([*cnnarch, *c] for c in commands)]
    # the first round warms the file cache; then every command once per round, 10 rounds
    bare, torch, *walls = best_times_in_turn([run(a) for a in argvs], repeat=10)
    rows = [
        ['python -c "pass"', f"{bare * 1e3:.0f} ms", f"{bare / torch:.2f}", "", ""],
        ['python -c "import torch"', f"{torch * 1e3:.0f} ms", "1.00", "", ""],
    ]
    ok = True
    for args, wall in zip(commands, walls, strict=True):
        heavy = imports_torch(args)
        ok &= wall < 0.3 and wall <= 0.5 * torch and not heavy
        rows.append([f"cnnarch {' '.join(args)}", f"{wall * 1e3:.0f} ms", f"{wall / torch:.2f}",
                     "yes" if heavy else "no", "< 300 ms, <= 0.5"])  # fmt: skip
    print("Start-up, fresh process, best of 10, the commands in turn")
    print(table(["command", "wall", "/ import torch", "imports torch", "target"], rows))
    print("\nresult:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
