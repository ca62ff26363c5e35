"""Choosing a fraud threshold at scoring time from the curve stored in the manifest."""

from __future__ import annotations

from fraudwarn.errors import ModelError
from fraudwarn.model.classifier import FraudModel


def threshold_for_fpr(model: FraudModel, target_fpr: float) -> float:
    """The lowest stored threshold whose out-of-fold false-positive rate is at most ``target_fpr``."""
    curve = model.manifest.get("threshold_curve") or []
    ok = [row for row in curve if row["fpr"] <= target_fpr]
    if not ok:
        raise ModelError("此模型的清单中没有误报率曲线（threshold_curve），无法按 --target-fpr 选择阈值，请改用 --threshold。")
    return float(min(row["threshold"] for row in ok))
