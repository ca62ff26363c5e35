"""Cost as work grows: batch time and tree memory at 10k / 100k / 1M lines, training time at 1x / 2x / 4x.

    pip install ".[bench]"
    python benchmarks/bench_scaling.py [--lines 10000,100000,1000000] [--train 1,2,4] [--jobs 2]

Batch: the same kind of dump as ``bench_batch.py`` (bulk repeats, templates with other numbers,
unique texts), run end to end as a user would (``fraudwarn batch``, a subprocess). The whole process
tree's PSS is sampled every 0.2 s; the script prints the peak and the PSS at each quarter of the run,
so a leak shows as a rising line (the last one at 95%, before the workers stop). Time per message should stay flat if batch is linear.

Training: the corpus enlarged k times by copies whose numbers are redrawn and which carry a copy tag
(so the vocabulary grows as with new data, and each copy stays in its original's group, so the group
folds do not leak). ``fraudwarn.training.fit.train`` with the shipped settings (5 folds, calibration,
thresholds), in this process. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_batch import _tree_memory, build_dump  # noqa: E402

from fraudwarn.training.corpus import load_corpus  # noqa: E402


def batch_curve(texts: list[str], sizes: list[int], jobs: int, tmp: Path) -> list[dict[str, float]]:
    out = []
    for n in sizes:
        dump = tmp / f"dump_{n}.txt"
        build_dump(texts, n, dump)
        cmd = [sys.executable, "-m", "fraudwarn", "batch", str(dump), "-o", str(tmp / f"out_{n}.jsonl"), "-q",
               "--jobs", str(jobs)]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd)
        samples: list[tuple[float, float]] = []
        while proc.poll() is None:
            samples.append((time.perf_counter() - start, _tree_memory(proc.pid)[1] / 2**20))
            time.sleep(0.2)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"fraudwarn batch failed ({proc.returncode})")
        with open(tmp / f"out_{n}.jsonl", encoding="utf-8") as f:
            rows = sum(1 for _ in f)
        assert rows == n, (rows, n)
        quarters = []
        for q in (0.25, 0.5, 0.75, 0.95):  # the pool has stopped by 100%
            before = [m for t, m in samples if t <= q * wall and m > 0]
            quarters.append(round(before[-1]) if before else 0)
        peak = max((m for _, m in samples), default=0.0)
        row = {"lines": n, "seconds": round(wall, 1), "msg_per_s": round(n / wall),
               "us_per_msg": round(wall / n * 1e6, 1), "peak_pss_mb": round(peak), "pss_at_quarters_mb": quarters}
        print(json.dumps(row), flush=True)
        out.append(row)
        dump.unlink()
    return out


def enlarge(records: list, k: int, seed: int = 3) -> tuple[list[str], list[str], list[str], list[str], list[bool]]:
    rng = random.Random(seed)
    texts, cats, roles, groups, hard = [], [], [], [], []
    for copy in range(k):
        for r in records:
            t = r.text
            if copy:
                t = re.sub(r"\d", lambda _: str(rng.randint(0, 9)), t) + f" 〔副本{copy}-{rng.randrange(10**4)}〕"
            texts.append(t)
            cats.append(r.category_id)
            roles.append(r.role_id)
            groups.append(r.group)
            hard.append(r.hard_negative)
    return texts, cats, roles, groups, hard


def train_curve(records: list, factors: list[int]) -> list[dict[str, float]]:
    from fraudwarn.training.fit import train

    out = []
    for k in factors:
        texts, cats, roles, groups, hard = enlarge(records, k)
        start = time.perf_counter()
        train(texts, cats, roles, groups=groups, hard_negative=hard, folds=5)
        wall = time.perf_counter() - start
        row = {"corpus_factor": k, "records": len(texts), "seconds": round(wall, 1),
               "ms_per_record": round(wall / len(texts) * 1e3, 2)}
        print(json.dumps(row), flush=True)
        out.append(row)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", default="10000,100000,1000000")
    ap.add_argument("--train", default="1,2,4", help="corpus factors; empty to skip training")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    records = load_corpus()
    tmp = Path(tempfile.mkdtemp(prefix="fw_scaling_"))
    sizes = [int(x) for x in args.lines.split(",") if x]
    if sizes:
        rows = batch_curve([r.text for r in records], sizes, args.jobs, tmp)
        base = rows[0]["us_per_msg"]
        print("batch: " + "; ".join(f"{r['lines']:,} lines {r['seconds']} s ({r['us_per_msg'] / base:.2f}x the "
                                     f"per-message time at {rows[0]['lines']:,}), peak PSS {r['peak_pss_mb']} MB"
                                     for r in rows))
    factors = [int(x) for x in args.train.split(",") if x]
    if factors:
        rows = train_curve(records, factors)
        print("training: " + "; ".join(f"{r['corpus_factor']}x ({r['records']:,} records) {r['seconds']} s "
                                        f"({r['seconds'] / rows[0]['seconds']:.2f}x)" for r in rows))


if __name__ == "__main__":
    main()
