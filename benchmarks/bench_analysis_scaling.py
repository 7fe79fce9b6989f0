"""Analysis cost must not grow with the input resolution (the trace runs on the meta device).

Prints, for resnet50 and vgg16, the in-process analysis time at 224 and 2048 (best of 15, the
two sizes in turn) and their ratio (target <= 1.3), and the peak RSS of
``cnnarch summary vgg16 --input 2048`` next to that of ``python -c "import torch"`` (target
<= 1.2x).
"""

from __future__ import annotations

import sys

from common import PYTHON, best_times_in_turn, peak_rss_mib, table

from cnnarch import analyze


def main() -> int:
    rows, ok = [], True
    for name in ("resnet50", "vgg16"):
        sizes = [lambda n=name: analyze(n, 224), lambda n=name: analyze(n, 2048)]
        small, large = best_times_in_turn(sizes, repeat=15)
        ratio = large / small
        ok &= ratio <= 1.3
        rows.append([name, f"{small * 1e3:.1f} ms", f"{large * 1e3:.1f} ms", f"{ratio:.2f}", "<= 1.3"])
    print("Analysis time, in process, best of 15, the two sizes in turn")
    print(table(["model", "224", "2048", "2048/224", "target"], rows))

    torch_only = peak_rss_mib([PYTHON, "-c", "import torch"])
    summary = peak_rss_mib([PYTHON, "-m", "cnnarch", "summary", "vgg16", "--input", "2048"])
    rss_ratio = summary / torch_only
    ok &= rss_ratio <= 1.2
    print()
    print("Peak RSS")
    print(table(["process", "peak RSS", "ratio", "target"], [
        ['python -c "import torch"', f"{torch_only:.0f} MiB", "1.00", ""],
        ["cnnarch summary vgg16 --input 2048", f"{summary:.0f} MiB", f"{rss_ratio:.2f}", "<= 1.2"],
    ]))  # fmt: skip
    print("\nresult:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
