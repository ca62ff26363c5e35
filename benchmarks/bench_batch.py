"""Batch throughput and accuracy: fraudwarn against a fastText baseline, in one script.

    pip install ".[bench]"
    python benchmarks/bench_batch.py [--messages 200000] [--jobs N] [--folds 5]

1. Builds a realistic dump from the corpus: most messages drawn with a Zipf-like skew
   (bulk SMS repeat), a share with the numbers inside changed (same template, other
   number), and the rest unique.
2. Runs ``fraudwarn batch`` end to end on it (a subprocess, as a user would) and samples
   the peak resident memory of the whole process tree.
3. Trains fastText (supervised, character n-grams via space-separated characters and
   wordNgrams=3) on the same corpus and times its prediction over the same messages.
4. Reports macro-F1 of both on the same group-aware held-out folds.

Figures are printed, never asserted: the machine is shared and noisy, so the ratio
between the two, measured in the same run, is what counts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fraudwarn.categories import NORMAL_ID  # noqa: E402
from fraudwarn.text.normalize import normalize  # noqa: E402
from fraudwarn.training.corpus import load_corpus  # noqa: E402
from fraudwarn.training.fit import DEFAULT_C, build_training_set, group_folds, out_of_fold  # noqa: E402


def build_dump(texts: list[str], n: int, path: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    ranks = np.arange(1, len(texts) + 1, dtype=float)
    zipf = (1 / ranks**1.1) / (1 / ranks**1.1).sum()
    order = list(range(len(texts)))
    rng.shuffle(order)
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(n):
            u = rng.random()
            if u < 0.45:  # bulk messages: heavy repetition
                t = texts[order[int(np.searchsorted(np.cumsum(zipf), rng.random()))]]
            elif u < 0.75:  # same template, other numbers
                t = re.sub(r"\d", lambda _: str(rng.randint(0, 9)), rng.choice(texts))
            else:
                t = rng.choice(texts)
            f.write(t.replace("\n", " ").replace("\r", " ") + "\n")


def _tree_memory(pid: int) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) over the process tree.

    RSS counts pages that forked workers share with their parent once per process; PSS
    divides each shared page among its sharers, so its sum is the tree's real footprint.
    """
    import psutil

    rss = pss = 0
    try:
        p = psutil.Process(pid)
        for q in [p, *p.children(recursive=True)]:
            try:
                info = q.memory_full_info()
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return rss, pss


def run_fraudwarn(dump: Path, out: Path, jobs: int | None) -> tuple[float, int, int, int]:
    """Wall time; peak RSS sum and peak PSS sum of the process tree; peak RSS of one process."""
    import psutil

    cmd = [sys.executable, "-m", "fraudwarn", "batch", str(dump), "-o", str(out), "-q"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak_tree = peak_pss = peak_single = 0
    while proc.poll() is None:
        rss, pss = _tree_memory(proc.pid)
        peak_tree, peak_pss = max(peak_tree, rss), max(peak_pss, pss)
        try:
            p = psutil.Process(proc.pid)
            peak_single = max(
                [peak_single, p.memory_info().rss, *(c.memory_info().rss for c in p.children())]
            )
        except psutil.Error:
            pass
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"fraudwarn batch failed ({proc.returncode})")
    return elapsed, peak_tree, peak_pss, peak_single


def ft_line(text: str) -> str:
    """fastText input: normalised text as space-separated characters (Chinese has no spaces)."""
    return " ".join(ch for ch in normalize(text) if not ch.isspace())


def train_fasttext(texts: list[str], labels: list[str], tmp: Path):  # type: ignore[no-untyped-def]
    import fasttext

    train = tmp / "ft_train.txt"
    with open(train, "w", encoding="utf-8") as f:
        for t, y in zip(texts, labels):
            f.write(f"__label__{y} {ft_line(t)}\n")
    return fasttext.train_supervised(
        str(train),
        epoch=25,
        lr=0.5,
        wordNgrams=3,
        dim=100,
        minCount=1,
        bucket=2_000_000,
        thread=1,
        seed=1,
        verbose=0,
    )


def macro_f1(y: list[str], p: list[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, p, labels=sorted(set(y)), average="macro", zero_division=0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=200_000)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--skip-accuracy", action="store_true", help="only the throughput and memory part")
    args = ap.parse_args()

    records = load_corpus()
    texts = [r.text for r in records]
    y = [r.category_id for r in records]
    tmp = Path(tempfile.mkdtemp(prefix="fw_bench_"))
    print(f"corpus: {len(records)} records; temp dir {tmp}")

    fw_f1 = ft_f1 = float("nan")
    if not args.skip_accuracy:
        fw_f1, ft_f1 = accuracy(records, texts, y, args.folds, tmp)
    throughput(texts, y, tmp, args, fw_f1, ft_f1)


def accuracy(records, texts, y, k, tmp):  # type: ignore[no-untyped-def]
    """macro-F1 of both models on the same group-aware held-out folds."""
    folds = group_folds([r.group for r in records], y, k=k)
    ts = build_training_set(texts, y, [r.role_id for r in records])
    oof = out_of_fold(ts, folds, c=DEFAULT_C)
    fw_pred = list(np.array(oof.category_ids)[oof.category_scores.argmax(1)])
    ft_pred = [""] * len(y)
    for tr, te in folds:
        m = train_fasttext([texts[i] for i in tr], [y[i] for i in tr], tmp)
        labels, _ = m.predict([ft_line(texts[i]) for i in te])
        for i, lab in zip(te, labels):
            ft_pred[i] = lab[0].removeprefix("__label__")
    fw_f1, ft_f1 = macro_f1(y, fw_pred), macro_f1(y, ft_pred)
    yt, fwp, ftp = np.array(y), np.array(fw_pred), np.array(ft_pred)
    normal = yt == NORMAL_ID
    print(f"macro-F1 on {k} group folds: fraudwarn {fw_f1:.4f}  fastText {ft_f1:.4f}")
    print(
        f"false-positive rate on 正常: fraudwarn {(fwp[normal] != NORMAL_ID).mean():.4f}  "
        f"fastText {(ftp[normal] != NORMAL_ID).mean():.4f}"
    )
    return fw_f1, ft_f1


def throughput(texts, y, tmp, args, fw_f1, ft_f1):  # type: ignore[no-untyped-def]
    dump = tmp / "dump.txt"
    build_dump(texts, args.messages, dump)
    lines = dump.read_text("utf-8").splitlines()
    print(f"dump: {len(lines)} messages, {len(set(lines))} distinct, {dump.stat().st_size / 1e6:.1f} MB")

    ft_model = train_fasttext(texts, y, tmp)

    def time_fasttext(prepare) -> float:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        with open(dump, encoding="utf-8") as f:
            batch: list[str] = []
            for line in f:
                batch.append(prepare(line.rstrip("\n")))
                if len(batch) == 10_000:
                    ft_model.predict(batch)
                    batch = []
            if batch:
                ft_model.predict(batch)
        return time.perf_counter() - start

    ft_time = time_fasttext(ft_line)
    ft_raw_time = time_fasttext(lambda t: " ".join(t.replace(" ", "")))  # no normalisation at all

    fw_time, peak_tree, peak_pss, peak_single = run_fraudwarn(dump, tmp / "out.jsonl", args.jobs)
    with open(tmp / "out.jsonl", encoding="utf-8") as f:
        out_rows = sum(1 for _ in f)
    assert out_rows == len(lines), (out_rows, len(lines))
    fw_rate, ft_rate = len(lines) / fw_time, len(lines) / ft_time
    print(
        f"fraudwarn batch: {fw_time:.1f} s, {fw_rate:,.0f} msg/s (jobs={args.jobs or os.cpu_count()}, end to end)"
    )
    print(f"fastText predict: {ft_time:.1f} s, {ft_rate:,.0f} msg/s (one process, same normalisation)")
    ft_raw_rate = len(lines) / ft_raw_time
    print(f"fastText predict, raw text (no normalisation): {ft_raw_time:.1f} s, {ft_raw_rate:,.0f} msg/s")
    print(
        f"throughput ratio fraudwarn/fastText: {fw_rate / ft_rate:.2f} (vs raw fastText {fw_rate / ft_raw_rate:.2f})"
    )
    print(
        f"fraudwarn peak memory: PSS {peak_pss / 2**20:.0f} MB whole process tree "
        f"(RSS sum {peak_tree / 2**20:.0f} MB, counting shared pages once per process), "
        f"RSS {peak_single / 2**20:.0f} MB largest single process"
    )
    print(
        json.dumps(
            {
                "messages": len(lines),
                "fraudwarn_msg_per_s": round(fw_rate),
                "fasttext_msg_per_s": round(ft_rate),
                "ratio": round(fw_rate / ft_rate, 3),
                "fraudwarn_macro_f1": round(fw_f1, 4),
                "fasttext_macro_f1": round(ft_f1, 4),
                "peak_rss_tree_mb": round(peak_tree / 2**20),
                "peak_rss_single_mb": round(peak_single / 2**20),
                "peak_pss_tree_mb": round(peak_pss / 2**20),
            }
        )
    )


if __name__ == "__main__":
    main()
