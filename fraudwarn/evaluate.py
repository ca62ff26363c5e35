"""Evaluation: metrics for both heads, group-aware folds and leave-one-channel-out.

Every figure here is computed on texts the model did not train on. Folds keep all
variants of one original (one ``group``) on the same side, so a paraphrase of a
training text never counts as a test success.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
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
