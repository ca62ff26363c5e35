"""Spark throughput: ``fraudwarn spark`` in local[N] against ``fraudwarn batch --jobs N``, same input, same run.

    pip install ".[spark,bench]"
    python benchmarks/bench_spark.py [--messages 200000] [--cores 2] [--runs 1]

1. Builds the input from the corpus (``data/corpus``) as ``bench_batch.py`` does: bulk messages
   repeated with a Zipf-like skew, templates with other numbers, and unique texts; written once as
   Parquet (id + text) so both commands read the very same file.
2. Runs both commands end to end as a user would (subprocesses, Parquet output), alternating
   when ``--runs`` > 1, and samples memory: the peak RSS of each Spark Python worker process
   (what an executor's ``spark.executor.pyspark.memory`` must hold) and of the JVM.
   ``--unique`` makes every message distinct instead (the worst case for the row cache).
3. Prints msg/s of each, the ratio, and the per-core rate, then a sizing table on paper:
   cores for 10^7, 10^8 and 10^9 messages a day.

Figures are printed, never asserted: the machine is shared and noisy, so the ratio between the
two, measured in the same run, is what counts. Spark's figure includes its start-up (JVM,
session, Python workers): on a long job that cost vanishes, so the steady-state rate is also
printed (messages / (wall time - the time of a run on 1,000 messages)).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_batch import build_dump  # noqa: E402

from fraudwarn.training.corpus import load_corpus  # noqa: E402


def write_parquet(dump: Path, path: Path, n: int | None = None) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    lines = dump.read_text("utf-8").splitlines()[:n]
    pq.write_table(pa.table({"id": [f"m{i:07d}" for i in range(len(lines))], "text": lines}), path,
                   row_group_size=20_000)
    return len(lines)


def _sample(proc: subprocess.Popen, peaks: dict[str, int]) -> None:  # type: ignore[type-arg]
    """Peak RSS per role: the whole tree, the largest Spark Python worker, the JVM, any one process."""
    import psutil

    try:
        root = psutil.Process(proc.pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return
    tree = 0
    for q in procs:
        try:
            rss = q.memory_info().rss
            cmd = " ".join(q.cmdline())
        except psutil.Error:
            continue
        tree += rss
        role = "jvm" if "java" in q.name() else "python_worker" if "pyspark.daemon" in cmd else "process"
        if role == "python_worker" and q.ppid() != root.pid and "pyspark.daemon" in cmd:
            peaks["python_worker"] = max(peaks.get("python_worker", 0), rss)
        elif role == "jvm":
            peaks["jvm"] = max(peaks.get("jvm", 0), rss)
        peaks["single"] = max(peaks.get("single", 0), rss)
    peaks["tree"] = max(peaks.get("tree", 0), tree)


def run(cmd: list[str]) -> tuple[float, dict[str, int]]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks: dict[str, int] = {}
    while proc.poll() is None:
        _sample(proc, peaks)
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return elapsed, peaks


def fraudwarn_batch(src: Path, out: Path, cores: int) -> tuple[float, dict[str, int]]:
    out.unlink(missing_ok=True)
    return run([sys.executable, "-m", "fraudwarn", "batch", str(src), "-o", str(out), "--jobs", str(cores), "-q"])


def fraudwarn_spark(src: Path, out: Path, cores: int) -> tuple[float, dict[str, int]]:
    shutil.rmtree(out, ignore_errors=True)
    return run([sys.executable, "-m", "fraudwarn", "spark", str(src), str(out), "--id-column", "id",
                "--master", f"local[{cores}]", "-q"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--unique", action="store_true",
                    help="every message distinct (numbers changed, then a serial number): no help from the row cache")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="fw_bench_spark_"))
    texts = [r.text for r in load_corpus()]
    dump = tmp / "dump.txt"
    if args.unique:
        rng = random.Random(1)
        with open(dump, "w", encoding="utf-8") as f:
            for i in range(args.messages):
                t = re.sub(r"\d", lambda _: str(rng.randint(0, 9)), rng.choice(texts)).replace("\n", " ")
                f.write(f"{t.replace(chr(13), ' ')} 编号{i}\n")
    else:
        build_dump(texts, args.messages, dump)
    src, small = tmp / "in.parquet", tmp / "small.parquet"
    n = write_parquet(dump, src)
    write_parquet(dump, small, 1000)
    distinct = len(set(dump.read_text("utf-8").splitlines()))
    print(f"input: {n:,} messages ({distinct:,} distinct), {src.stat().st_size / 1e6:.1f} MB Parquet; temp dir {tmp}")

    startup, _ = fraudwarn_spark(small, tmp / "small_out.parquet", args.cores)
    print(f"fraudwarn spark on 1,000 messages (start-up and fixed costs): {startup:.1f} s")

    batch_t: list[float] = []
    spark_t: list[float] = []
    mem: dict[str, int] = {}
    for k in range(args.runs):
        order = [("batch", fraudwarn_batch), ("spark", fraudwarn_spark)]
        for name, fn in order if k % 2 == 0 else order[::-1]:
            t, peaks = fn(src, tmp / f"out_{name}.parquet", args.cores)
            (batch_t if name == "batch" else spark_t).append(t)
            for key, v in peaks.items():
                mem[f"{name}_{key}"] = max(mem.get(f"{name}_{key}", 0), v)
            print(f"run {k + 1}: fraudwarn {name}: {t:.1f} s, {n / t:,.0f} msg/s")

    b, s = min(batch_t), min(spark_t)
    steady = n / max(1e-9, s - startup)
    per_core = steady / args.cores
    result = {
        "messages": n,
        "distinct": distinct,
        "cores": args.cores,
        "batch_msg_per_s": round(n / b),
        "spark_msg_per_s": round(n / s),
        "spark_over_batch": round(b / s, 3),
        "spark_startup_s": round(startup, 1),
        "spark_steady_msg_per_s": round(steady),
        "spark_msg_per_s_per_core": round(per_core),
        "peak_rss_mb": {k: round(v / 2**20) for k, v in sorted(mem.items())},
    }
    print(json.dumps(result, indent=2))
    print("\nsizing on paper (steady per-core rate; 50% average utilisation leaves room for peaks):")
    print("| messages a day | core-hours a day | cores, running all day at 50% |")
    print("|---:|---:|---:|")
    for exp in (7, 8, 9):
        per_day = 10**exp
        core_hours = per_day / per_core / 3600
        print(f"| 10^{exp} | {core_hours:,.1f} | {max(1, round(core_hours / 24 / 0.5 + 0.4999))} |")


if __name__ == "__main__":
    main()
