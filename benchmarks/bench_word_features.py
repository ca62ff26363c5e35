"""What the word block buys: accuracy with and without word features, next to what it costs in time.

    python benchmarks/bench_word_features.py [--messages 20000]

The word block (rjieba words and word bigrams) needs the segmenter, the only stage that is not
plain string and array work. The issue asks to measure what it buys before dropping it. Both
variants use the shipped model's feature space (fitted on the corpus), so the only difference is
whether the word columns are there:

* group 5-fold out-of-fold macro-F1 and the 正常 false-positive rate (argmax of the category head);
* the same on the held-out cross-writer sets (heads fitted on the whole corpus);
* the cost of the word block (segmentation, grams, lookup) per message, in one process.

Printed, never asserted. Takes about ten minutes on two cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fraudwarn.categories import NORMAL_ID, get_category  # noqa: E402
from fraudwarn.model.classifier import prepare  # noqa: E402
from fraudwarn.model.features import _words  # noqa: E402
from fraudwarn.predict import load_model  # noqa: E402
from fraudwarn.training.corpus import load_corpus  # noqa: E402
from fraudwarn.training.fit import DEFAULT_C, build_training_set, fit_heads, group_folds, out_of_fold  # noqa: E402


class _Eval:
    def __init__(self, text: str, label: str) -> None:
        self.text, self.category_id = text, get_category(label).id


def _eval_records(path: Path) -> list[_Eval]:
    """Held-out sets carry text and label only (no corpus id, group or origin)."""
    import json

    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [_Eval(r["text"], r["label"]) for r in rows]


def metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import f1_score

    normal = y == NORMAL_ID
    return {
        "macro_f1": round(float(f1_score(y, pred, labels=sorted(set(y)), average="macro", zero_division=0)), 4),
        "fpr_normal": round(float((pred[normal] != NORMAL_ID).mean()), 4),
        "fraud_recall": round(float((pred[~normal] != NORMAL_ID).mean()), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=20000)
    args = ap.parse_args()
    model = load_model(None)
    fs = model.features
    records = load_corpus()
    ts = build_training_set([r.text for r in records], [r.category_id for r in records], [r.role_id for r in records],
                            features=fs)
    folds = group_folds([r.group for r in records], ts.y_cat)
    evals = {p.stem: _eval_records(p) for p in sorted((ROOT / "data" / "eval").glob("*.jsonl"))}
    eval_X = {}
    for name, recs in evals.items():
        p = prepare([r.text for r in recs])
        eval_X[name] = fs.transform(p.norm, [[h.flag.id for h in f] for f in p.flags]).tocsr()
    for variant, lo in (("words + chars + flags (shipped)", 0), ("chars + flags (no segmenter)", fs.char_offset)):
        ts_v = dataclasses.replace(ts, Xc=ts.Xc[:, lo:])
        oof = out_of_fold(ts_v, folds, c=DEFAULT_C)
        pred = np.array(oof.category_ids)[oof.category_scores.argmax(1)]
        print(f"{variant}: group 5-fold {metrics(ts.y_cat[oof.test_index], pred[oof.test_index])}", flush=True)
        cat, _ = fit_heads(ts_v.Xc, ts.y_cat, ts.y_role, c=DEFAULT_C)
        for name, recs in evals.items():
            y = np.array([get_category(r.category_id).id for r in recs])
            p = np.array(cat.classes)[cat.scores(eval_X[name][:, lo:]).argmax(1)]
            print(f"  {name}: {metrics(y, p)}", flush=True)

    rng = random.Random(7)
    pool = [r.text.replace("\n", " ") for r in records]
    texts = [f"{rng.choice(pool)} {rng.randrange(10**6)}" for _ in range(args.messages)]
    p = prepare(texts)
    flags = [[h.flag.id for h in f] for f in p.flags]
    _words.cache_clear()
    t = time.perf_counter()
    fs._word_block(p.norm)
    word = (time.perf_counter() - t) / len(texts) * 1e6
    t = time.perf_counter()
    fs._transform_batch(p.norm, flags)
    total = (time.perf_counter() - t) / len(texts) * 1e6
    print(f"word block (segmentation + grams + lookup, cold caches): {word:.0f} µs/msg of {total:.0f} µs/msg "
          f"for all feature rows")


if __name__ == "__main__":
    main()
