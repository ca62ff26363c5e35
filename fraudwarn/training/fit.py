"""Fitting: features, the two heads, calibration and thresholds, from labelled texts.

The feature vocabulary and idf are fitted once on all texts (unsupervised; no labels), and
every text is transformed once by the same :class:`FeatureSpace` that scores at run time,
so training, cross-validation and scoring share one path. Cross-validation then only refits
the heads per fold. The price is that idf statistics see the test folds' texts; weights
never do (a term seen only in a test fold has no gradient and keeps weight zero).

Calibration and every threshold are read off out-of-fold predictions:
* a temperature per head (minimum NLL);
* a Platt scaling of logit(P(about fraud) x P(attempt | about fraud)) against "is an attempt";
* ``fraud``: the lowest threshold whose false-positive rate on hard negatives is at most the
  target (default 0.5%); ``high``: the lowest with 95% precision (never below ``fraud``);
  ``medium``: the threshold that reaches 97% recall (never above ``fraud``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fraudwarn.categories import ATTEMPT_ID, NORMAL_ID, get_category, get_role
from fraudwarn.errors import ModelError
from fraudwarn.model.classifier import FraudModel, LinearHead, Prepared, logit, prepare, softmax
from fraudwarn.model.features import FeatureSpace, word_analyzer
from fraudwarn.text.redflags import matcher

SEED = 20261122
#: Inverse regularisation of both heads (group-CV on the corpus; see README).
DEFAULT_C = 10.0
NORMAL_WEIGHT = 1.0
DEFAULT_TARGET_FPR = 0.005
MIN_DF = 2

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def fit_feature_space(norm_texts: Sequence[str]) -> FeatureSpace:
    """Vocabulary and idf of words (+ bigrams) and character 1–3-grams, plus every flag id."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(analyzer=word_analyzer, min_df=MIN_DF, sublinear_tf=True, max_features=200_000)
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=MIN_DF, sublinear_tf=True,
                            max_features=300_000)
    words.fit(norm_texts)
    chars.fit(norm_texts)

    def terms(vec: Any) -> list[str]:
        out = [""] * len(vec.vocabulary_)
        for t, j in vec.vocabulary_.items():
            out[j] = t
        return out

    # idf rounded to float32 now, as it is stored: a model in memory scores exactly as after saving
    f32 = lambda a: np.asarray(a, dtype=np.float32).astype(np.float64)  # noqa: E731
    return FeatureSpace(
        terms(words), f32(words.idf_), terms(chars), f32(chars.idf_), (1, 3), [f.id for f in matcher().flags]
    )


def fit_temperature(scores: np.ndarray, y_index: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of held-out scores."""
    from scipy.optimize import minimize_scalar

    def nll(t: float) -> float:
        p = softmax(scores / t)
        return float(-np.mean(np.log(p[np.arange(len(y_index)), y_index] + 1e-12)))

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def fit_platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """1-D logistic regression of ``y`` on logit(raw): (slope, intercept)."""
    from sklearn.linear_model import LogisticRegression

    if y.all() or not y.any():
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4, max_iter=1000)
    lr.fit(logit(raw).reshape(-1, 1), y.astype(int))
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _fit_head(X: Any, y: np.ndarray, *, c: float, weights: dict[str, float] | str | None) -> LinearHead:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=300, tol=1e-3, class_weight=weights, random_state=SEED)
    clf.fit(X, y)
    coef, intercept = clf.coef_, clf.intercept_
    if coef.shape[0] == 1:  # binary: expand to two symmetric rows
        coef = np.vstack([-coef / 2, coef / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    # Rounded to float32 now, so a model in memory scores exactly as it will after saving.
    return LinearHead(
        [str(k) for k in clf.classes_],
        coef.astype(np.float32).astype(np.float64),
        np.asarray(intercept, dtype=np.float64),
    )


def fit_heads(X: Any, y_cat: np.ndarray, y_role: np.ndarray, *, c: float) -> tuple[LinearHead, LinearHead]:
    about = y_cat != NORMAL_ID
    weights = {k: (NORMAL_WEIGHT if k == NORMAL_ID else 1.0) for k in set(y_cat)}
    return (
        _fit_head(X, y_cat, c=c, weights=weights),
        _fit_head(X[about], y_role[about], c=c, weights="balanced"),
    )


@dataclass
class TrainingSet:
    """Labelled texts, prepared and transformed once."""

    prepared: Prepared
    X: Any
    y_cat: np.ndarray
    y_role: np.ndarray
    hard_negative: np.ndarray
    features: FeatureSpace
    Xc: Any = None  # the same rows as a scipy CSR matrix, for fitting

    def __post_init__(self) -> None:
        if self.Xc is None:
            self.Xc = self.X.tocsr()


def build_training_set(
    texts: Sequence[str],
    labels: Sequence[str],
    roles_: Sequence[str | None],
    *,
    hard_negative: Sequence[bool] | None = None,
    features: FeatureSpace | None = None,
) -> TrainingSet:
    y_cat = np.array([get_category(lab).id for lab in labels])
    y_role = np.array(["" if cat == NORMAL_ID or not r else get_role(r).id for cat, r in zip(y_cat, roles_)])
    if np.any((y_cat != NORMAL_ID) & (y_role == "")):
        raise ModelError("训练数据中有诈骗类别的记录缺少信息性质（role）。")
    if len(set(y_role[y_cat != NORMAL_ID])) < 2 or len(set(y_cat)) < 2:
        raise ModelError("训练数据至少需要两种类别（含正常）和两种信息性质（诈骗信息/案情描述/防范提示）。")
    prepared = prepare(texts)
    feats = features if features is not None else fit_feature_space(prepared.norm)
    X = feats.transform(prepared.norm, [[h.flag.id for h in f] for f in prepared.flags])
    hn = np.asarray(hard_negative if hard_negative is not None else np.zeros(len(texts)), dtype=bool)
    return TrainingSet(prepared, X, y_cat, y_role, hn, feats)


@dataclass
class OutOfFold:
    """Out-of-fold decision scores of both heads; every text scored by a model that never saw it."""

    category_scores: np.ndarray
    role_scores: np.ndarray
    category_ids: list[str]
    role_ids: list[str]
    test_index: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))


def _fold_scores(X: Any, y_cat: np.ndarray, y_role: np.ndarray, tr: np.ndarray, te: np.ndarray, c: float
                 ) -> tuple[LinearHead, LinearHead, np.ndarray, np.ndarray]:
    cat, role = fit_heads(X[tr], y_cat[tr], y_role[tr], c=c)
    return cat, role, cat.scores(X[te]), role.scores(X[te])


def out_of_fold(ts: TrainingSet, folds: Sequence[tuple[np.ndarray, np.ndarray]], *, c: float,
                progress: Progress = _quiet, jobs: int | None = None) -> OutOfFold:
    """Fit each fold's heads (folds in parallel, one process per core) and score its test part."""
    from joblib import Parallel, delayed

    cat_ids = sorted(set(ts.y_cat))
    role_ids = sorted(set(ts.y_role[ts.y_cat != NORMAL_ID]))
    cs = np.zeros((len(ts.y_cat), len(cat_ids)))
    rs = np.zeros((len(ts.y_cat), len(role_ids)))
    n_jobs = jobs if jobs is not None else min(len(folds), os.cpu_count() or 1)
    progress(f"{len(folds)} 折交叉验证（{n_jobs} 个进程并行）")
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fold_scores)(ts.Xc, ts.y_cat, ts.y_role, tr, te, c) for tr, te in folds
    )
    tested = []
    for (_, te), (cat, role, c_scores, r_scores) in zip(folds, results):
        cs[np.ix_(te, np.array([cat_ids.index(x) for x in cat.classes]))] = c_scores
        missing = [j for j, x in enumerate(cat_ids) if x not in cat.classes]
        if missing:
            cs[np.ix_(te, np.array(missing))] = -1e9
        rs[np.ix_(te, np.array([role_ids.index(x) for x in role.classes]))] = r_scores
        tested.append(te)
    return OutOfFold(cs, rs, cat_ids, role_ids, np.concatenate(tested) if tested else np.zeros(0, int))


def calibrate(oof: OutOfFold, ts: TrainingSet) -> tuple[float, float, tuple[float, float]]:
    idx = oof.test_index
    y_cat, y_role = ts.y_cat[idx], ts.y_role[idx]
    t_cat = fit_temperature(oof.category_scores[idx], np.array([oof.category_ids.index(k) for k in y_cat]))
    fr = y_cat != NORMAL_ID
    t_role = fit_temperature(oof.role_scores[idx][fr], np.array([oof.role_ids.index(k) for k in y_role[fr]]))
    p_cat = softmax(oof.category_scores[idx] / t_cat)
    p_role = softmax(oof.role_scores[idx] / t_role)
    raw = (1 - p_cat[:, oof.category_ids.index(NORMAL_ID)]) * p_role[:, oof.role_ids.index(ATTEMPT_ID)]
    platt = fit_platt(raw, fr & (y_role == ATTEMPT_ID))
    return t_cat, t_role, platt


def choose_thresholds(
    p_fraud: np.ndarray, is_attempt: np.ndarray, hard_negative: np.ndarray, *, target_fpr: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Thresholds from out-of-fold fraud probabilities; returns (thresholds, what they buy)."""
    neg = hard_negative & ~is_attempt
    if not neg.any():
        neg = ~is_attempt
    neg_scores = np.sort(p_fraud[neg])[::-1]
    allowed = int(np.floor(target_fpr * len(neg_scores)))
    # the lowest threshold with at most `allowed` negatives at or above it
    t_fraud = float(np.nextafter(neg_scores[allowed], 1.0)) if allowed < len(neg_scores) else 0.5
    t_fraud = min(max(t_fraud, 0.05), 0.99)
    order = np.argsort(-p_fraud)
    ps, ys = p_fraud[order], is_attempt[order]
    tp = np.cumsum(ys)
    precision = tp / np.arange(1, len(ys) + 1)
    recall = tp / max(1, ys.sum())
    ok = np.where(precision >= 0.95)[0]
    t_high = float(ps[ok.max()]) if len(ok) else 0.9
    t_high = min(max(t_high, t_fraud), 0.995)
    reach = np.where(recall >= 0.97)[0]
    t_medium = float(ps[reach.min()]) if len(reach) else 0.3
    t_medium = min(max(t_medium, 0.02), t_fraud)
    pred = p_fraud >= t_fraud
    bought = {
        "target_fpr": target_fpr,
        "hard_negative_fpr": round(float(pred[neg].mean()), 5),
        "normal_fpr": round(float(pred[~is_attempt].mean()), 5),
        "recall": round(float(pred[is_attempt].mean()), 4) if is_attempt.any() else 0.0,
    }
    th = {"fraud": round(t_fraud, 6), "high": round(t_high, 6), "medium": round(t_medium, 6), "review": 0.6}
    return th, bought


def threshold_curve(p_fraud: np.ndarray, is_attempt: np.ndarray, hard_negative: np.ndarray) -> list[dict[str, float]]:
    """Thresholds for a ladder of false-positive rates on hard negatives, with the recall each buys."""
    rows = []
    for fpr in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2):
        th, bought = choose_thresholds(p_fraud, is_attempt, hard_negative, target_fpr=fpr)
        rows.append({"fpr": fpr, "threshold": th["fraud"], "measured_fpr": bought["hard_negative_fpr"],
                     "recall": bought["recall"]})
    return rows


def group_folds(groups: Sequence[Any] | np.ndarray, y: Sequence[str] | np.ndarray, *, k: int = 5, seed: int = SEED
                ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified group k-fold: no group crosses train and test, labels spread evenly."""
    from sklearn.model_selection import StratifiedGroupKFold

    cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    idx = np.arange(len(y))
    return [(tr, te) for tr, te in cv.split(idx, np.asarray(y), np.asarray(groups))]


def assemble(ts: TrainingSet, cat: LinearHead, role: LinearHead, t_cat: float, t_role: float,
             platt: tuple[float, float], thresholds: dict[str, float]) -> FraudModel:
    cat.temperature, role.temperature = t_cat, t_role
    return FraudModel(ts.features, cat, role, platt, thresholds)


def oof_model(oof: OutOfFold, ts: TrainingSet, t_cat: float, t_role: float, platt: tuple[float, float],
              thresholds: dict[str, float]) -> tuple[FraudModel, np.ndarray, np.ndarray]:
    """A stand-in model whose heads return the out-of-fold scores: lets the verdict rule run on them."""
    p_cat = softmax(oof.category_scores / t_cat)
    p_role = softmax(oof.role_scores / t_role)
    dummy = FraudModel(
        ts.features,
        LinearHead(oof.category_ids, np.zeros((len(oof.category_ids), 1)), np.zeros(len(oof.category_ids)), t_cat),
        LinearHead(oof.role_ids, np.zeros((len(oof.role_ids), 1)), np.zeros(len(oof.role_ids)), t_role),
        platt,
        thresholds,
    )
    return dummy, p_cat, p_role


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    roles_: Sequence[str | None],
    *,
    groups: Sequence[str] | None = None,
    hard_negative: Sequence[bool] | None = None,
    c: float = DEFAULT_C,
    folds: int = 5,
    target_fpr: float = DEFAULT_TARGET_FPR,
    data_sha256: str = "",
    progress: Progress = _quiet,
) -> FraudModel:
    """Train both heads on all texts; calibrate and set thresholds from group-k-fold."""
    from fraudwarn.training.evaluate import verdict_metrics

    t0 = time.perf_counter()
    progress(f"提取特征（{len(texts)} 条）")
    ts = build_training_set(texts, labels, roles_, hard_negative=hard_negative)
    metrics: dict[str, Any] = {}
    t_cat = t_role = 1.0
    platt = (1.0, 0.0)
    thresholds = {"fraud": 0.5, "high": 0.8, "medium": 0.3, "review": 0.6}
    bought: dict[str, float] = {}
    curve: list[dict[str, float]] = []
    if folds > 1:
        split = group_folds(groups if groups is not None else list(range(len(texts))), ts.y_cat, k=folds)
        oof = out_of_fold(ts, split, c=c, progress=progress)
        t_cat, t_role, platt = calibrate(oof, ts)
        dummy, p_cat, p_role = oof_model(oof, ts, t_cat, t_role, platt, thresholds)
        p_fraud = dummy.fraud_probability(p_cat, p_role)
        is_attempt = (ts.y_cat != NORMAL_ID) & (ts.y_role == ATTEMPT_ID)
        thresholds, bought = choose_thresholds(p_fraud, is_attempt, ts.hard_negative, target_fpr=target_fpr)
        curve = threshold_curve(p_fraud, is_attempt, ts.hard_negative)
        dummy.thresholds = thresholds
        low = dummy.low_evidence(ts.prepared, ts.X)
        v = dummy.verdicts(ts.prepared, ts.X, p_cat, p_role, p_fraud, low)
        metrics = verdict_metrics(v, dummy, ts.y_cat, ts.y_role, ts.hard_negative)
    progress("在全部数据上训练最终模型")
    cat, role = fit_heads(ts.Xc, ts.y_cat, ts.y_role, c=c)
    model = assemble(ts, cat, role, t_cat, t_role, platt, thresholds)
    model.manifest = {
        "n_train": len(texts),
        "n_features": ts.features.n_features,
        "data_sha256": data_sha256,
        "hyperparameters": {"C": c, "normal_weight": NORMAL_WEIGHT, "folds": folds, "seed": SEED,
                            "min_df": MIN_DF, "min_evidence": model.min_evidence},
        "temperature": {"category": round(t_cat, 4), "role": round(t_role, 4)},
        "platt": [round(platt[0], 6), round(platt[1], 6)],
        "threshold_choice": bought,
        "threshold_curve": curve,
        "metrics": metrics,
        "training_seconds": round(time.perf_counter() - t0, 1),
    }
    return model
