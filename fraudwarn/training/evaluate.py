"""Evaluation: metrics for both heads, group-aware folds and leave-one-channel-out.

Every figure here is computed on texts the model did not train on. Folds keep all
variants of one original (one ``group``) on the same side, so a paraphrase of a
training text never counts as a test success.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .categories import ATTEMPT_ID, NORMAL_ID, get_category, get_role

if TYPE_CHECKING:
    from .model import OutOfFold


def group_folds(
    groups: Sequence[Any], y: Sequence[str], *, k: int = 5, seed: int = 20261122
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified group k-fold: no group crosses train and test, labels spread evenly."""
    from sklearn.model_selection import StratifiedGroupKFold

    cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    idx = np.arange(len(y))
    return [(tr, te) for tr, te in cv.split(idx, np.asarray(y), np.asarray(groups))]


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    """ECE of the top-class probability: the gap between confidence and accuracy, binned."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (confidence > lo) & (confidence <= hi)
        if mask.any():
            ece += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(ece)


def reliability_table(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows = []
    for lo, hi in itertools.pairwise(edges):
        mask = (confidence > lo) & (confidence <= hi)
        if mask.any():
            rows.append(
                {
                    "low": float(lo),
                    "high": float(hi),
                    "n": int(mask.sum()),
                    "confidence": float(confidence[mask].mean()),
                    "accuracy": float(correct[mask].mean()),
                }
            )
    return rows


def category_metrics(
    y_true: Sequence[str], y_pred: Sequence[str], *, hard_negative: Sequence[bool] | None = None
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class P/R/F1, fraud-vs-正常 recall and false-positive rate."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    labels = [c for c in _ordered(set(yt) | set(yp))]
    p, r, f, n = precision_recall_fscore_support(yt, yp, labels=labels, zero_division=0)
    true_fraud, pred_fraud = yt != NORMAL_ID, yp != NORMAL_ID
    out: dict[str, Any] = {
        "n": len(yt),
        "accuracy": round(float(accuracy_score(yt, yp)), 4),
        "macro_f1": round(
            float(f1_score(yt, yp, labels=sorted(set(yt)), average="macro", zero_division=0)), 4
        ),
        "per_class": {
            lab: {
                "precision": round(float(a), 4),
                "recall": round(float(b), 4),
                "f1": round(float(c), 4),
                "n": int(d),
            }
            for lab, a, b, c, d in zip(labels, p, r, f, n)
        },
        "fraud_recall": round(float(pred_fraud[true_fraud].mean()), 4) if true_fraud.any() else None,
        "normal_fpr": round(float(pred_fraud[~true_fraud].mean()), 4) if (~true_fraud).any() else None,
        "labels": labels,
        "confusion": confusion_matrix(yt, yp, labels=labels).tolist(),
    }
    if hard_negative is not None:
        hn = np.asarray(hard_negative, dtype=bool) & ~true_fraud
        out["hard_negative_fpr"] = round(float(pred_fraud[hn].mean()), 4) if hn.any() else None
        out["hard_negative_n"] = int(hn.sum())
    return out


def role_metrics(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Role accuracy, and above all how often a report or warning is taken for the fraud itself."""
    from sklearn.metrics import accuracy_score, confusion_matrix

    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    labels = [r for r in ("attempt", "report", "warning") if r in set(yt) | set(yp)]
    not_attempt = yt != ATTEMPT_ID
    return {
        "n": len(yt),
        "accuracy": round(float(accuracy_score(yt, yp)), 4),
        "warning_or_report_as_attempt": round(float((yp[not_attempt] == ATTEMPT_ID).mean()), 4)
        if not_attempt.any()
        else None,
        "warning_as_attempt": round(float((yp[yt == "warning"] == ATTEMPT_ID).mean()), 4)
        if (yt == "warning").any()
        else None,
        "report_as_attempt": round(float((yp[yt == "report"] == ATTEMPT_ID).mean()), 4)
        if (yt == "report").any()
        else None,
        "labels": labels,
        "confusion": confusion_matrix(yt, yp, labels=labels).tolist(),
    }


def _ordered(ids: set[str]) -> list[str]:
    from .categories import categories

    order = {c.id: c.index for c in categories()}
    return sorted(ids, key=lambda i: order.get(i, 99))


def summarize_oof(oof: OutOfFold, cat_t: float, role_t: float, **extra: Any) -> dict[str, Any]:
    """Figures for the manifest from out-of-fold scores (after temperature scaling)."""
    from .model import _softmax

    p_cat = _softmax(oof.category_scores / cat_t)
    pred = np.array(oof.category_ids)[p_cat.argmax(1)]
    conf = p_cat.max(1)
    out = {"category": category_metrics(oof.y_cat, pred, **extra)}
    out["category"]["ece"] = round(expected_calibration_error(conf, pred == oof.y_cat), 4)
    out["category"]["reliability"] = reliability_table(conf, pred == oof.y_cat)
    fr = oof.y_cat != NORMAL_ID
    p_role = _softmax(oof.role_scores[fr] / role_t)
    rpred = np.array(oof.role_ids)[p_role.argmax(1)]
    out["role"] = role_metrics(oof.y_role[fr], rpred)
    out["role"]["ece"] = round(expected_calibration_error(p_role.max(1), rpred == oof.y_role[fr]), 4)
    return out


def parse_labels(labels: Sequence[str]) -> list[str]:
    """Category ids from ids, Chinese names or aliases (raises UnknownCategoryError)."""
    return [get_category(lab).id for lab in labels]


def parse_roles(roles: Sequence[str | None]) -> list[str]:
    return ["" if not r else get_role(r).id for r in roles]


def read_labelled(path: str | Path) -> tuple[list[str], list[str], list[str], list[bool], list[str]]:
    """Texts, category ids, role ids, hard-negative flags and channels from a labelled file.

    Accepts a corpus folder, the corpus JSONL format, or any CSV/TSV/JSONL with ``text``
    and ``label`` columns (labels as id, Chinese name or alias; ``role`` optional).
    """
    import csv
    import json

    from .corpus import load_corpus, read_jsonl
    from .errors import DataError

    p = Path(path)
    if p.is_dir():
        recs = load_corpus(p)
    elif p.suffix == ".jsonl" and _looks_like_corpus(p):
        recs = read_jsonl(p)
    else:
        rows: list[dict[str, Any]] = []
        if p.suffix in (".csv", ".tsv"):
            with open(p, encoding="utf-8-sig", newline="") as f:
                rows = list(csv.DictReader(f, delimiter="\t" if p.suffix == ".tsv" else ","))
        else:
            with open(p, encoding="utf-8-sig") as f:
                for n, line in enumerate(f, 1):
                    if line.strip():
                        try:
                            rows.append(json.loads(line))
                        except json.JSONDecodeError as e:
                            raise DataError(f"{p.name} 第 {n} 行不是合法 JSON。") from e
        if not rows or "text" not in rows[0] or "label" not in rows[0]:
            raise DataError(f"{p} 需要 text 和 label 两列（或字段）。")
        cats = parse_labels([str(r["label"]) for r in rows])
        roles = [
            "" if c == NORMAL_ID else (get_role(str(r["role"])).id if r.get("role") else "")
            for c, r in zip(cats, rows)
        ]
        hard = [str(r.get("hard_negative", "")).lower() in ("1", "true") for r in rows]
        return [str(r["text"]) for r in rows], cats, roles, hard, [str(r.get("channel", "")) for r in rows]
    return (
        [r.text for r in recs],
        [r.category_id for r in recs],
        [r.role_id for r in recs],
        [r.hard_negative for r in recs],
        [r.channel for r in recs],
    )


def _looks_like_corpus(path: Path) -> bool:
    import json

    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            if line.strip():
                try:
                    return {"id", "group", "origin"} <= set(json.loads(line))
                except json.JSONDecodeError:
                    return False
    return False


def evaluate_model(
    model: Any,
    texts: Sequence[str],
    cats: Sequence[str],
    roles: Sequence[str],
    hard: Sequence[bool] | None = None,
) -> dict[str, Any]:
    """Score a fitted model on labelled texts: both heads, fraud-vs-正常, calibration."""
    from .normalize import normalize

    X = model.features.transform([normalize(t) for t in texts])
    p_cat, p_role = model.predict_proba(X)
    pred = np.array(model.category_ids)[p_cat.argmax(1)]
    y = np.asarray(cats)
    out: dict[str, Any] = {"category": category_metrics(y, pred, hard_negative=hard)}
    conf = p_cat.max(1)
    out["category"]["ece"] = round(expected_calibration_error(conf, pred == y), 4)
    out["category"]["reliability"] = reliability_table(conf, pred == y)
    yr = np.asarray(roles)
    has_role = (y != NORMAL_ID) & (yr != "")
    if has_role.any():
        rpred = np.array(model.role_ids)[p_role[has_role].argmax(1)]
        out["role"] = role_metrics(yr[has_role], rpred)
        out["role"]["ece"] = round(
            expected_calibration_error(p_role[has_role].max(1), rpred == yr[has_role]), 4
        )
    return out


def format_report(report: dict[str, Any]) -> str:
    """A readable Chinese table of an evaluation report."""
    from .categories import get_category

    lines = []
    c = report["category"]
    lines.append(
        f"样本数 {c['n']}　准确率 {c['accuracy']:.3f}　macro-F1 {c['macro_f1']:.3f}　ECE {c.get('ece', 0):.3f}"
    )
    if c.get("fraud_recall") is not None:
        lines.append(f"诈骗召回率 {c['fraud_recall']:.3f}")
    if c.get("normal_fpr") is not None:
        lines.append(f"正常误报率 {c['normal_fpr']:.3f}")
    if c.get("hard_negative_fpr") is not None:
        lines.append(f"难例误报率 {c['hard_negative_fpr']:.3f}（{c['hard_negative_n']} 条）")
    lines.append("")
    lines.append(f"{'类别':<12}{'精确率':>8}{'召回率':>8}{'F1':>8}{'样本':>7}")
    for lab, m in c["per_class"].items():
        name = get_category(lab).name
        pad = 12 - len(name)  # CJK characters are two columns wide
        lines.append(
            f"{name}{' ' * max(1, pad)}{m['precision']:>10.3f}{m['recall']:>10.3f}{m['f1']:>8.3f}{m['n']:>7}"
        )
    lines.append("")
    lines.append("混淆矩阵（行：真实，列：预测）")
    ids = c["labels"]
    lines.append("　　　" + " ".join(f"{i[:6]:>6}" for i in ids))
    for lab, row in zip(ids, c["confusion"]):
        lines.append(f"{lab[:6]:>6} " + " ".join(f"{v:>6}" for v in row))
    r = report.get("role")
    if r:
        lines.append("")
        lines.append(f"信息性质：准确率 {r['accuracy']:.3f}　ECE {r.get('ece', 0):.3f}")
        if r.get("warning_as_attempt") is not None:
            lines.append(f"防范提示被判为诈骗信息 {r['warning_as_attempt']:.3f}")
        if r.get("report_as_attempt") is not None:
            lines.append(f"案情描述被判为诈骗信息 {r['report_as_attempt']:.3f}")
    return "\n".join(lines)
