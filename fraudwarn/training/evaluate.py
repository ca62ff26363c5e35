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

from fraudwarn.categories import ATTEMPT_ID, NORMAL_ID, get_category, get_role

if TYPE_CHECKING:
    from fraudwarn.model.classifier import FraudModel, Scores




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
    y_true: Sequence[str] | np.ndarray, y_pred: Sequence[str] | np.ndarray, *,
    hard_negative: Sequence[bool] | np.ndarray | None = None,
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class P/R/F1, fraud-vs-正常 recall and false-positive rate."""
    from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

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
        "confusion": _confusion(yt, yp, labels),
    }
    if hard_negative is not None:
        hn = np.asarray(hard_negative, dtype=bool) & ~true_fraud
        out["hard_negative_fpr"] = round(float(pred_fraud[hn].mean()), 4) if hn.any() else None
        out["hard_negative_n"] = int(hn.sum())
    return out


def role_metrics(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Role accuracy, and above all how often a report or warning is taken for the fraud itself."""
    from sklearn.metrics import accuracy_score

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
        "confusion": _confusion(yt, yp, labels),
    }


def _confusion(yt: np.ndarray, yp: np.ndarray, labels: list[str]) -> list[list[int]]:
    """Counts per (true, predicted) label; no scikit-learn warning for a one-label slice."""
    index = {lab: k for k, lab in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=int)
    for a, b in zip(yt, yp):
        if a in index and b in index:
            m[index[a], index[b]] += 1
    return m.tolist()


def _ordered(ids: set[str]) -> list[str]:
    from fraudwarn.categories import categories

    order = {c.id: c.index for c in categories()}
    return sorted(ids, key=lambda i: order.get(i, 99))


def verdict_metrics(
    v: Scores, model: FraudModel, y_cat: np.ndarray, y_role: np.ndarray, hard_negative: np.ndarray | None = None
) -> dict[str, Any]:
    """Figures of the verdicts a user sees (category shown, is_fraud, risk), against labels."""
    y_cat, y_role = np.asarray(y_cat), np.asarray(y_role)
    cat_ids = np.array(model.category_ids)
    pred = cat_ids[v.category_index]
    hard = np.asarray(hard_negative if hard_negative is not None else np.zeros(len(y_cat)), dtype=bool)
    out: dict[str, Any] = {"category": category_metrics(y_cat, pred, hard_negative=hard)}
    conf = v.category[np.arange(len(pred)), v.category_index] if len(pred) else np.zeros(0)
    out["category"]["ece"] = round(expected_calibration_error(conf, pred == y_cat), 4)
    out["category"]["reliability"] = reliability_table(conf, pred == y_cat)
    fr = y_cat != NORMAL_ID
    if fr.any():
        rp = np.array(model.role_ids)[np.argmax(v.role[fr], axis=1)]
        out["role"] = role_metrics(y_role[fr], rp)
        out["role"]["ece"] = round(expected_calibration_error(v.role[fr].max(1), rp == y_role[fr]), 4)
    attempt = fr & (y_role == ATTEMPT_ID)
    non = ~attempt
    normal = ~fr
    risk = np.array(v.risk)
    short = np.array([len(t) < 20 for t in v.prepared.texts], dtype=bool)
    red = np.array([any(h.flag.kind == "red" for h in f) for f in v.prepared.flags], dtype=bool)
    contradictions = int(
        np.sum((risk == "高") & ~v.is_fraud)
        + np.sum(v.is_fraud & ((pred == NORMAL_ID) | (v.role_index != model.role_ids.index(ATTEMPT_ID))))
        + np.sum((pred == NORMAL_ID) & ((risk == "高") | v.is_fraud))
    )

    def rate(mask: np.ndarray, of: np.ndarray) -> float | None:
        return round(float(mask[of].mean()), 4) if of.any() else None

    out["fraud"] = {
        "recall": rate(v.is_fraud, attempt),
        "precision": round(float(attempt[v.is_fraud].mean()), 4) if v.is_fraud.any() else None,
        "fpr_normal": rate(v.is_fraud, normal),
        "fpr_hard_negative": rate(v.is_fraud, normal & hard),
        "fpr_report_or_warning": rate(v.is_fraud, fr & ~attempt),
        "ece": round(expected_calibration_error(np.maximum(v.fraud, 1 - v.fraud), (v.fraud >= 0.5) == attempt), 4),
        "high_share_short_normal": rate(risk == "高", normal & short),
        "contradictions": contradictions,
        "red_flag_coverage_attempt": rate(red, attempt),
        "red_flag_coverage_normal": rate(red, normal),
        "n_attempt": int(attempt.sum()),
        "n_non_attempt": int(non.sum()),
    }
    return out


def parse_labels(labels: Sequence[str]) -> list[str]:
    """Category ids from ids, Chinese names or aliases (raises UnknownCategoryError)."""
    return [get_category(lab).id for lab in labels]


def parse_roles(roles: Sequence[str | None]) -> list[str]:
    return ["" if not r else get_role(r).id for r in roles]


def read_labelled(
    path: str | Path, *, skip_invalid: bool = False
) -> tuple[list[str], list[str], list[str], list[bool], list[str]]:
    """Texts, category ids, role ids, hard-negative flags and channels from a labelled file.

    Accepts a corpus folder, the corpus JSONL format, or any CSV/TSV/JSONL with ``text``
    and ``label`` columns (labels as id, Chinese name or alias; ``role`` optional).
    """
    from fraudwarn.training.corpus import load_corpus, read_jsonl

    p = Path(path)
    if p.is_dir():
        recs = load_corpus(p)
    elif p.suffix == ".jsonl" and _looks_like_corpus(p):
        recs = read_jsonl(p)
    else:
        return _read_labelled_table(p, skip_invalid=skip_invalid)
    return (
        [r.text for r in recs],
        [r.category_id for r in recs],
        [r.role_id for r in recs],
        [r.hard_negative for r in recs],
        [r.channel for r in recs],
    )


#: Invalid rows listed in full in the error message; the rest are counted.
_MAX_LISTED = 20


def _read_labelled_table(
    p: Path, *, skip_invalid: bool
) -> tuple[list[str], list[str], list[str], list[bool], list[str]]:
    """A CSV/TSV/JSONL with text and label, through the same readers (and encodings) as ``batch``."""
    import warnings

    from fraudwarn.errors import DataError, FraudwarnError, FraudwarnWarning
    from fraudwarn.sources import Source

    texts: list[str] = []
    cats: list[str] = []
    roles: list[str] = []
    hard: list[bool] = []
    channels: list[str] = []
    bad: list[str] = []
    with Source(str(p), text_column="text", extra_columns=("label", "role", "hard_negative", "channel")) as src:
        for rec in src:
            extra = rec.extra or {}
            if rec.error is not None or rec.text is None:
                bad.append(f"第 {rec.number} 行：{rec.error or '没有文本'}")
                continue
            if "label" not in extra:
                raise DataError(f"{p} 需要 text 和 label 两列（或字段）。")
            try:
                cat = get_category(extra["label"]).id
                role = "" if cat == NORMAL_ID else (get_role(extra["role"]).id if extra.get("role") else "")
            except FraudwarnError as e:
                bad.append(f"第 {rec.number} 行：{e.message}")
                continue
            texts.append(rec.text)
            cats.append(cat)
            roles.append(role)
            hard.append(extra.get("hard_negative", "").lower() in ("1", "true"))
            channels.append(extra.get("channel", ""))
    if bad and not skip_invalid:
        listed = "；".join(bad[:_MAX_LISTED]) + (f"；另有 {len(bad) - _MAX_LISTED} 行" if len(bad) > _MAX_LISTED else "")
        raise DataError(f"{p} 中有 {len(bad)} 行无法使用（加 --skip-invalid 可跳过它们）：{listed}。")
    if bad:
        warnings.warn(f"已跳过 {len(bad)} 行无效记录（{bad[0]}……）。", FraudwarnWarning, stacklevel=2)
    if not texts:
        raise DataError(f"{p} 中没有可用的标注记录（需要 text 和 label 两列）。")
    return texts, cats, roles, hard, channels


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


def attacked_reports(
    model: FraudModel, texts: Sequence[str], cats: Sequence[str], roles: Sequence[str], hard: Sequence[bool]
) -> dict[str, dict[str, Any]]:
    """The same evaluation with every text disguised, per trick and all tricks combined (seeded)."""
    from fraudwarn.text.disguise import TRICKS
    from fraudwarn.text.disguise import attack as disguise

    return {
        name: evaluate_model(model, [disguise(t, [name], seed=i) for i, t in enumerate(texts)], cats, roles, hard)
        for name in [*TRICKS, "combined"]
    }


def evaluate_model(
    model: FraudModel,
    texts: Sequence[str],
    cats: Sequence[str],
    roles: Sequence[str],
    hard: Sequence[bool] | None = None,
    *,
    threshold: float | None = None,
) -> dict[str, Any]:
    """Score a fitted model on labelled texts through the one scoring path."""
    v = model.score(texts, threshold=threshold)
    return verdict_metrics(v, model, np.asarray(cats), np.asarray(roles), np.asarray(hard or [False] * len(texts)))


def format_report(report: dict[str, Any]) -> str:
    """A readable Chinese table of an evaluation report."""
    from fraudwarn.categories import get_category

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
    lines.append("　　　" + " ".join(f"{i:>8}" for i in ids))
    for lab, row in zip(ids, c["confusion"]):
        lines.append(f"{lab:>8} " + " ".join(f"{v:>8}" for v in row))
    fr = report.get("fraud")
    if fr:
        lines.append("")
        lines.append(
            f"诈骗判定：召回率 {fr['recall']}　精确率 {fr['precision']}　正常误报率 {fr['fpr_normal']}"
            f"　难例误报率 {fr['fpr_hard_negative']}　自相矛盾 {fr['contradictions']} 条"
        )
    r = report.get("role")
    if r:
        lines.append("")
        lines.append(f"信息性质：准确率 {r['accuracy']:.3f}　ECE {r.get('ece', 0):.3f}")
        if r.get("warning_as_attempt") is not None:
            lines.append(f"防范提示被判为诈骗信息 {r['warning_as_attempt']:.3f}")
        if r.get("report_as_attempt") is not None:
            lines.append(f"案情描述被判为诈骗信息 {r['report_as_attempt']:.3f}")
    return "\n".join(lines)
