"""Training from the corpus, and the cross-style figures that go into the manifest.

Three ways of asking "does it generalise beyond the text it learnt from":
* group-k-fold (the calibration folds);
* leave-one-form-out: train without one form (e.g. every call transcript), test on it;
* leave-one-writer-out: train without one writer's records, test on them (cross-writer);
plus a separate cross-writer set (``data/eval/``) that is never trained on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fraudwarn.categories import NORMAL_ID
from fraudwarn.errors import DataError
from fraudwarn.model.artifact import default_model_dir, save
from fraudwarn.training.corpus import ATTEMPT_FORMS, Record, data_sha256, default_corpus_dir, load_corpus
from fraudwarn.training.fit import (
    DEFAULT_C,
    DEFAULT_TARGET_FPR,
    SEED,
    TrainingSet,
    build_training_set,
    calibrate,
    choose_thresholds,
    fit_heads,
    group_folds,
    oof_model,
    out_of_fold,
    train,
)

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def _records_set(records: Sequence[Record]) -> TrainingSet:
    return build_training_set(
        [r.text for r in records], [r.category_id for r in records], [r.role_id for r in records],
        hard_negative=[r.hard_negative for r in records],
    )


def held_out_figures(
    ts: TrainingSet, split: Sequence[tuple[np.ndarray, np.ndarray]], *, c: float, target_fpr: float,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """Verdict figures of out-of-fold predictions over ``split`` (calibrated on the same folds)."""
    from fraudwarn.training.evaluate import verdict_metrics

    oof = out_of_fold(ts, split, c=c, progress=progress)
    idx = oof.test_index
    t_cat, t_role, platt = calibrate(oof, ts)
    dummy, p_cat, p_role = oof_model(oof, ts, t_cat, t_role, platt, {})
    p_fraud = dummy.fraud_probability(p_cat, p_role)
    is_attempt = (ts.y_cat != NORMAL_ID) & (ts.y_role == "attempt")
    th, _ = choose_thresholds(p_fraud[idx], is_attempt[idx], ts.hard_negative[idx], target_fpr=target_fpr)
    dummy.thresholds = th
    low = dummy.low_evidence(ts.prepared, ts.X)
    v = dummy.verdicts(ts.prepared, ts.X, p_cat, p_role, p_fraud, low)
    m = verdict_metrics(_subset(v, idx), dummy, ts.y_cat[idx], ts.y_role[idx], ts.hard_negative[idx])
    m["category"].pop("confusion", None)
    m["category"].pop("reliability", None)
    return m


def _subset(v: Any, idx: np.ndarray) -> Any:
    from fraudwarn.model.classifier import Prepared, Scores

    p = v.prepared
    prep = Prepared([p.texts[i] for i in idx], [p.plain[i] for i in idx], [p.norm[i] for i in idx],
                    [p.flags[i] for i in idx])
    return Scores(prep, v.X[idx], v.category[idx], v.role[idx], v.fraud[idx], v.low_evidence[idx],
                  v.category_index[idx], v.role_index[idx], v.is_fraud[idx], [v.risk[i] for i in idx],
                  v.review[idx])


def leave_one_out(
    ts: TrainingSet, keys: Sequence[str], *, c: float, target_fpr: float, only: Sequence[str] | None = None,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """For each key value: train on the rest, test on it; thresholds from the held-out part itself."""
    import os

    from joblib import Parallel, delayed

    from fraudwarn.training.evaluate import verdict_metrics
    from fraudwarn.training.fit import OutOfFold, _fold_scores

    keys_arr = np.asarray(keys)
    out: dict[str, Any] = {}
    cat_ids = sorted(set(ts.y_cat))
    role_ids = sorted(set(ts.y_role[ts.y_cat != NORMAL_ID]))
    splits = []
    for k in sorted(set(keys_arr) if only is None else only):
        te = np.where(keys_arr == k)[0]
        tr = np.where(keys_arr != k)[0]
        if len(te) and len(set(ts.y_cat[tr])) >= 2:
            splits.append((k, tr, te))
    progress(f"留出评估：{len(splits)} 组（{', '.join(str(k) for k, _, _ in splits)}），并行计算")
    results = Parallel(n_jobs=min(len(splits), os.cpu_count() or 1) or 1)(
        delayed(_fold_scores)(ts.Xc, ts.y_cat, ts.y_role, tr, te, c) for _, tr, te in splits
    )
    for (k, _, te), (cat, role, c_scores, r_scores) in zip(splits, results):
        cs = np.full((len(ts.y_cat), len(cat_ids)), -1e9)
        rs = np.zeros((len(ts.y_cat), len(role_ids)))
        cs[np.ix_(te, np.array([cat_ids.index(x) for x in cat.classes]))] = c_scores
        rs[np.ix_(te, np.array([role_ids.index(x) for x in role.classes]))] = r_scores
        # No held-out calibration exists for a left-out group: temperatures stay 1 and the fraud
        # threshold is 0.5, a plain reading of the uncalibrated heads.
        oof = OutOfFold(cs, rs, cat_ids, role_ids, te)
        dummy, p_cat, p_role = oof_model(oof, ts, 1.0, 1.0, (1.0, 0.0),
                                         {"fraud": 0.5, "high": 0.8, "medium": 0.3, "review": 0.6})
        p_fraud = dummy.fraud_probability(p_cat, p_role)
        low = dummy.low_evidence(ts.prepared, ts.X)
        v = dummy.verdicts(ts.prepared, ts.X, p_cat, p_role, p_fraud, low)
        m = verdict_metrics(_subset(v, te), dummy, ts.y_cat[te], ts.y_role[te], ts.hard_negative[te])
        out[str(k)] = {
            "n": len(te),
            "macro_f1": m["category"]["macro_f1"],
            "accuracy": m["category"]["accuracy"],
            "fraud_recall": m["fraud"]["recall"],
            "fpr_normal": m["fraud"]["fpr_normal"],
        }
    f1 = [v["macro_f1"] for v in out.values()]
    out["mean_macro_f1"] = round(float(np.mean(f1)), 4) if f1 else None
    return out


def default_output_dir() -> Path:
    """``./models`` when run from a checkout; anywhere else the caller must say where (``--out``)."""
    from fraudwarn.training.corpus import checkout_root

    root = checkout_root()
    if root is None:
        raise DataError("不在项目检出目录中运行：请用 --out 指定模型输出目录（不会写入已安装的程序包）。")
    return root / "models"


def train_from_corpus(
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    folds: int = 5,
    cross_style: bool = False,
    c: float = DEFAULT_C,
    target_fpr: float = DEFAULT_TARGET_FPR,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """Train on the whole corpus, calibrate on held-out folds, save model and manifest."""
    t0 = time.perf_counter()
    out = Path(out_dir) if out_dir is not None else default_output_dir()  # fail before hours of work
    installed = Path(default_model_dir()).resolve()
    if out.resolve() == installed and "site-packages" in str(installed):
        raise DataError(f"拒绝写入已安装的模型目录 {installed}：请用 --out 指定一个新目录。")
    d = Path(data_dir) if data_dir is not None else default_corpus_dir()
    records = load_corpus(d)
    progress(f"读取语料 {len(records)} 条")
    model = train(
        [r.text for r in records],
        [r.category_id for r in records],
        [r.role_id for r in records],
        groups=[r.group for r in records],
        hard_negative=[r.hard_negative for r in records],
        c=c,
        folds=folds,
        target_fpr=target_fpr,
        data_sha256=data_sha256(d),
        progress=progress,
    )
    if cross_style:
        ts = _records_set(records)
        model.manifest["metrics"]["leave_one_form_out"] = leave_one_out(
            ts, [r.form or "unknown" for r in records], c=c, target_fpr=target_fpr,
            only=[f for f in ATTEMPT_FORMS if any(r.form == f for r in records)], progress=progress)
    model.manifest["training_seconds"] = round(time.perf_counter() - t0, 1)
    model.manifest["seed"] = SEED
    mpath = save(model, out)
    manifest = dict(model.manifest)
    manifest["_path"] = str(mpath.parent)
    return manifest


def cross_validate(
    data: str | Path,
    *,
    folds: int = 5,
    c: float = DEFAULT_C,
    target_fpr: float = DEFAULT_TARGET_FPR,
    attack: bool = False,
    cross_style: bool = True,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """Group-k-fold, leave-one-form-out and leave-one-writer-out figures; no model saved."""
    records = load_corpus(data) if Path(data).is_dir() else _read_file(data)
    ts = _records_set(records)
    progress(f"分组 {folds} 折交叉验证（{len(records)} 条）")
    split = group_folds([r.group for r in records], ts.y_cat, k=folds)
    report: dict[str, Any] = {
        "group_kfold": held_out_figures(ts, split, c=c, target_fpr=target_fpr, progress=progress)
    }
    if attack:
        report["attacked"] = attacked_figures(records, ts, split, c=c, progress=progress)
    if cross_style:
        forms = [r.form or "unknown" for r in records]
        report["leave_one_form_out"] = leave_one_out(
            ts, forms, c=c, target_fpr=target_fpr,
            only=[f for f in ATTEMPT_FORMS if f in set(forms)], progress=progress)
        writers = [r.writer or "unknown" for r in records]
        if len(set(writers)) > 1:
            report["leave_one_writer_out"] = leave_one_out(ts, writers, c=c, target_fpr=target_fpr,
                                                           progress=progress)
    return report


def attacked_figures(records: Sequence[Record], ts: TrainingSet, split: Sequence[tuple[np.ndarray, np.ndarray]],
                     *, c: float, progress: Progress = _quiet) -> dict[str, Any]:
    """Fold models trained on clean text, tested on disguised copies of their test texts."""
    from fraudwarn.text.disguise import TRICKS
    from fraudwarn.text.disguise import attack as disguise
    from fraudwarn.training.evaluate import category_metrics

    heads = [fit_heads(ts.Xc[tr], ts.y_cat[tr], ts.y_role[tr], c=c) for tr, _ in split]
    out: dict[str, Any] = {}
    for name in [*TRICKS, "combined"]:
        progress(f"伪装评估：{name}")
        alt = build_training_set(
            [disguise(r.text, [name], seed=i) for i, r in enumerate(records)],
            [r.category_id for r in records], [r.role_id for r in records], features=ts.features)
        pred = np.empty(len(records), dtype=object)
        for (cat, _), (_, te) in zip(heads, split):
            pred[te] = np.array(cat.classes)[cat.scores(alt.Xc[te]).argmax(1)]
        m = category_metrics(ts.y_cat, pred.astype(str))
        out[name] = {"macro_f1": m["macro_f1"], "fraud_recall": m["fraud_recall"]}
    return out


def _read_file(path: str | Path) -> list[Record]:
    from fraudwarn.training.corpus import read_jsonl

    return read_jsonl(Path(path))
