"""``make bench``: run every ``bench_*.py`` script here, each in its own process, and end with
every target's line (``target: ... PASS|FAIL``) and each script's result."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    only = sys.argv[1:]
    failed, targets, results = [], [], []
    for script in scripts:
        if only and not any(o in script.stem for o in only):
            continue
        print(f"\n=== {script.stem} ===", flush=True)
        with subprocess.Popen(
            [sys.executable, str(script)], cwd=HERE, stdout=subprocess.PIPE, text=True, bufsize=1
        ) as done:
            assert done.stdout is not None
            for line in done.stdout:
                print(line, end="", flush=True)
                if line.startswith("target: "):
                    targets.append(f"{script.stem}: {line.removeprefix('target: ').rstrip()}")
        results.append(f"{script.stem}: {'PASS' if done.returncode == 0 else 'FAIL'}")
        if done.returncode != 0:
            failed.append(script.stem)
    print("\n=== targets ===")
    print("\n".join(targets + results))
    print("\nbenchmarks that missed a target:", ", ".join(failed) if failed else "none")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
