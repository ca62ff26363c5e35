"""Training from the corpus, with the cross-style figures that go into the manifest."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .categories import NORMAL_ID
from .corpus import CHANNELS, Record, data_sha256, default_corpus_dir, load_corpus
from .model import DEFAULT_C, SEED, OutOfFold, default_model_dir, save, train
from .normalize import normalize

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def leave_one_channel_out(
    records: Sequence[Record], *, c: float = DEFAULT_C, progress: Progress = _quiet
) -> dict[str, Any]:
    """Train on every channel but one, test on that one: how the model fares on a style it never saw."""
    from .evaluate import category_metrics, role_metrics
    from .model import cross_val_scores

    norm = [normalize(r.text) for r in records]
    y_cat = np.array([r.category_id for r in records])
    y_role = np.array([r.role_id for r in records])
    chan = np.array([r.channel for r in records])
    hard = np.array([r.hard_negative for r in records])
    out: dict[str, Any] = {}
    f1s = []
    for ch in CHANNELS:
        test = np.where(chan == ch)[0]
        train_idx = np.where(chan != ch)[0]
        if len(test) == 0:
            continue
        progress(f"留一渠道评估：{ch}（测试 {len(test)} 条）")
        oof = cross_val_scores(norm, y_cat, y_role, [(train_idx, test)], c=c)
        pred = np.array(oof.category_ids)[oof.category_scores[test].argmax(1)]
        m = category_metrics(y_cat[test], pred, hard_negative=hard[test])
        fr = y_cat[test] != NORMAL_ID
        if fr.any():
            rpred = np.array(oof.role_ids)[oof.role_scores[test][fr].argmax(1)]
            m["role"] = role_metrics(y_role[test][fr], rpred)
        m.pop("confusion")
        out[ch] = m
        f1s.append(m["macro_f1"])
    out["mean_macro_f1"] = round(float(np.mean(f1s)), 4) if f1s else None
    return out


def train_from_corpus(
    data_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    folds: int = 5,
    cross_style: bool = True,
    c: float = DEFAULT_C,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """Train on the whole corpus, evaluate on held-out folds, save model and manifest."""
    import json

    t0 = time.perf_counter()
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
        data_sha256=data_sha256(d),
    )
    if cross_style:
        model.manifest["metrics"]["leave_one_channel_out"] = leave_one_channel_out(
            records, c=c, progress=progress
        )
    model.manifest["training_seconds"] = round(time.perf_counter() - t0, 1)
    model.manifest["seed"] = SEED
    out = Path(out_dir) if out_dir is not None else default_model_dir()
    mpath = save(model, out)
    manifest = json.loads(mpath.read_text("utf-8"))
    manifest["_path"] = str(mpath.parent)
    return manifest


def cross_validate(
    data: str | Path,
    *,
    folds: int = 5,
    c: float = DEFAULT_C,
    attack: bool = False,
    cross_style: bool = True,
    progress: Progress = _quiet,
) -> dict[str, Any]:
    """Group-k-fold (optionally clean vs disguised) and leave-one-channel-out figures, no model saved."""
    from .evaluate import group_folds, summarize_oof
    from .model import _fit_temperature, cross_val_scores

    records = load_corpus(data) if Path(data).is_dir() else _read_file(data)
    norm = [normalize(r.text) for r in records]
    y_cat = np.array([r.category_id for r in records])
    y_role = np.array([r.role_id for r in records])
    progress(f"分组 {folds} 折交叉验证（{len(records)} 条）")
    variants: dict[str, list[str]] = {}
    if attack:
        from .attack import TRICKS
        from .attack import attack as disguise

        for name in [*TRICKS, "combined"]:
            variants[name] = [normalize(disguise(r.text, [name], seed=i)) for i, r in enumerate(records)]
    split = group_folds([r.group for r in records], y_cat, k=folds)
    oof = cross_val_scores(norm, y_cat, y_role, split, c=c, variants=variants)
    cat_idx = np.array([oof.category_ids.index(k) for k in y_cat])
    t_cat = _fit_temperature(oof.category_scores, cat_idx)
    fr = y_cat != NORMAL_ID
    t_role = _fit_temperature(oof.role_scores[fr], np.array([oof.role_ids.index(k) for k in y_role[fr]]))
    hard = [r.hard_negative for r in records]
    report: dict[str, Any] = {"group_kfold": summarize_oof(oof, t_cat, t_role, hard_negative=hard)}
    if attack:
        report["attacked"] = {}
        for name, (cs, rs) in oof.variants.items():
            alt = OutOfFold(cs, rs, y_cat, y_role, oof.category_ids, oof.role_ids)
            report["attacked"][name] = summarize_oof(alt, t_cat, t_role, hard_negative=hard)
    if cross_style:
        report["leave_one_channel_out"] = leave_one_channel_out(records, c=c, progress=progress)
    return report


def _read_file(path: str | Path) -> list[Record]:
    from .corpus import read_jsonl

    return read_jsonl(Path(path))
