"""``make bench``: run every ``bench_*.py`` script here, each in its own process, and report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    only = sys.argv[1:]
    failed = []
    for script in scripts:
        if only and not any(o in script.stem for o in only):
            continue
        print(f"\n=== {script.stem} ===", flush=True)
        done = subprocess.run([sys.executable, str(script)], cwd=HERE, check=False)
        if done.returncode != 0:
            failed.append(script.stem)
    print("\nbenchmarks that missed a target:", ", ".join(failed) if failed else "none")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
