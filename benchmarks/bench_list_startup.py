"""``cnnarch list`` must start fast: it reads the catalogue's data and never imports torch.

Prints the wall time of a fresh ``python -m cnnarch list`` (table and JSON) next to that of
``python -c "import torch"`` and of a bare interpreter, best of 5 each. Target: listing takes at
most half the time of importing torch alone (it imports rich and typer, not torch).
"""

from __future__ import annotations

import subprocess
import sys
import time

from common import PYTHON, ROOT, table


def best_wall(argv: list[str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat + 1):  # the first run warms the file cache and is dropped
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return min(times[1:])


def main() -> int:
    bare = best_wall([PYTHON, "-c", "pass"])
    torch = best_wall([PYTHON, "-c", "import torch"])
    listing = best_wall([PYTHON, "-m", "cnnarch", "list"])
    as_json = best_wall([PYTHON, "-m", "cnnarch", "list", "--format", "json"])
    ok = max(listing, as_json) <= 0.5 * torch
    print("Start-up, fresh process, best of 5")
    print(table(["command", "wall", "/ import torch", "target"], [
        ['python -c "pass"', f"{bare * 1e3:.0f} ms", f"{bare / torch:.2f}", ""],
        ['python -c "import torch"', f"{torch * 1e3:.0f} ms", "1.00", ""],
        ["cnnarch list", f"{listing * 1e3:.0f} ms", f"{listing / torch:.2f}", "<= 0.5"],
        ["cnnarch list --format json", f"{as_json * 1e3:.0f} ms", f"{as_json / torch:.2f}", "<= 0.5"],
    ]))  # fmt: skip
    print("\nresult:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
