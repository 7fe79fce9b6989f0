"""``cnnarch --help`` and ``cnnarch list`` must start fast: they never import torch.

Prints the wall time of a fresh process for each (best of 5, after one warm-up run) next to a
bare interpreter and to ``python -c "import torch"``, and checks in the same processes that
torch was not imported. Targets: under 0.3 s each, and at most half of importing torch.
"""

from __future__ import annotations

import subprocess
import sys
import time

from common import PYTHON, ROOT, table

PROBE = (
    "import runpy, sys; sys.argv = ['cnnarch', *sys.argv[1:]]\n"
    "try: runpy.run_module('cnnarch', run_name='__main__')\n"
    "except SystemExit: pass\n"
    "sys.stderr.write('torch imported' if 'torch' in sys.modules else 'torch not imported')"
)


def best_wall(argv: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat + 1):  # the first run warms the file cache and is dropped
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return min(times[1:])


def imports_torch(args: list[str]) -> bool:
    done = subprocess.run([PYTHON, "-c", PROBE, *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return "torch imported" in done.stderr


def main() -> int:
    bare = best_wall([PYTHON, "-c", "pass"])
    torch = best_wall([PYTHON, "-c", "import torch"])
    rows = [
        ['python -c "pass"', f"{bare * 1e3:.0f} ms", f"{bare / torch:.2f}", "", ""],
        ['python -c "import torch"', f"{torch * 1e3:.0f} ms", "1.00", "", ""],
    ]
    ok = True
    for args in (["--help"], ["list"], ["list", "--format", "json"]):
        wall = best_wall([PYTHON, "-m", "cnnarch", *args])
        heavy = imports_torch(args)
        ok &= wall < 0.3 and wall <= 0.5 * torch and not heavy
        rows.append([f"cnnarch {' '.join(args)}", f"{wall * 1e3:.0f} ms", f"{wall / torch:.2f}",
                     "yes" if heavy else "no", "< 300 ms, <= 0.5"])  # fmt: skip
    print("Start-up, fresh process, best of 5")
    print(table(["command", "wall", "/ import torch", "imports torch", "target"], rows))
    print("\nresult:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
