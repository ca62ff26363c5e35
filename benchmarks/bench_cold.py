"""Cold start of one ``fraudwarn classify``, as a ratio to ``python -c "import numpy"`` in the same run.

    python benchmarks/bench_cold.py [--runs 5]

Both commands run alternately (A B A B …) after a warm-up, each as a fresh process; the
script prints the median and range of each and the median of the pairwise ratios. Nothing is
asserted: the machine is shared and noisy, the ratio measured side by side is what counts.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def _wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    exe = shutil.which("fraudwarn")
    fw = [exe] if exe else [sys.executable, "-m", "fraudwarn"]
    a_cmd = [*fw, "classify", "先交解冻费才能放款，请加微信 loan_8866"]
    b_cmd = [sys.executable, "-c", "import numpy"]
    _wall(a_cmd), _wall(b_cmd)  # warm-up: page cache, pyc files
    a, b = [], []
    for _ in range(args.runs):
        a.append(_wall(a_cmd))
        b.append(_wall(b_cmd))
    ratios = [x / y for x, y in zip(a, b)]
    print(f"fraudwarn classify   median {statistics.median(a):.3f} s  (min {min(a):.3f}, max {max(a):.3f})")
    print(f"python -c import numpy median {statistics.median(b):.3f} s  (min {min(b):.3f}, max {max(b):.3f})")
    print(f"ratio classify / import numpy: median {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
