"""The model at scoring time: one path from texts to calibrated scores and one verdict.

Two linear heads read the same features (``model/features``):

* **category** (ten fraud types + 正常), trained on every text;
* **role** (诈骗信息 / 案情描述 / 防范提示), trained on the texts about fraud.

Each head is calibrated by a temperature. The fraud probability is
P(about fraud) x P(the fraud itself | about fraud), recalibrated by a Platt scaling fitted
on out-of-fold scores, so that it is one calibrated number: P(this text is a fraud attempt).
Everything a user sees is read off that one number and the heads, in :meth:`FraudModel.verdicts`:

* ``is_fraud`` = fraud probability >= the fraud threshold (chosen in training for a stated
  false-positive rate on hard negatives);
* ``risk``: 高 at or above max(high threshold, fraud threshold), 中 at or above the medium
  threshold, else 低 — so 高 implies is_fraud;
* the category is the top fraud type whenever the text is a fraud attempt or is about fraud
  (P(正常) < 0.5), else 正常; a fraud attempt always has role 诈骗信息.

A text with few known features and no red flag is capped below 高: a short message with no
evidence is not a confident verdict, whatever the weights say.

No scikit-learn, no training code: this module only multiplies arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fraudwarn.categories import ATTEMPT_ID, NORMAL_ID
from fraudwarn.model.features import FeatureSpace
from fraudwarn.text.normalize import normalize_pair
from fraudwarn.text.redflags import RED, FlagHit, matcher

#: Risk level names, highest first.
RISK_HIGH, RISK_MEDIUM, RISK_LOW = "高", "中", "低"


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return np.asarray(np.log(p / (1 - p)))


@dataclass
class LinearHead:
    """A multinomial linear classifier as arrays: ``scores = X @ coef.T + intercept``.

    The weights are kept once, feature-major (``coef`` is a view of that array): the product
    reads rows of it, and a second, transposed copy would cost every batch worker 50 MB.
    """

    classes: list[str]
    coef: np.ndarray  # (k, d), a view of the (d, k) contiguous array the product reads
    intercept: np.ndarray  # (k,)
    temperature: float = 1.0

    def __post_init__(self) -> None:
        self.coef = np.ascontiguousarray(np.asarray(self.coef).T).T

    def scores(self, X: Any) -> np.ndarray:
        return np.asarray(X @ self.coef.T) + self.intercept

    def proba(self, X: Any) -> np.ndarray:
        return softmax(self.scores(X) / self.temperature)


@dataclass
class Prepared:
    """Texts after the text room: normalised once, flags matched once."""

    texts: list[str]
    plain: list[str]
    norm: list[str]
    flags: list[list[FlagHit]]


def prepare(texts: Sequence[str]) -> Prepared:
    """The text room, once per text: normalise (with and without placeholders), match flags."""
    plain, norm = [], []
    for t in texts:
        a, b = normalize_pair(t)
        plain.append(a)
        norm.append(b)
    m = matcher()
    return Prepared(list(texts), plain, norm, [m.match(p) for p in plain])


@dataclass
class Scores:
    """Calibrated scores of a batch of texts, and the verdict read off them."""

    prepared: Prepared
    X: Any
    category: np.ndarray  # (n, k) calibrated P(category)
    role: np.ndarray  # (n, r) calibrated P(role | about fraud)
    fraud: np.ndarray  # (n,) calibrated P(fraud attempt)
    low_evidence: np.ndarray  # (n,) bool
    category_index: np.ndarray  # (n,) index into category ids of the category shown
    role_index: np.ndarray  # (n,) index into role ids, -1 for 正常
    is_fraud: np.ndarray  # (n,) bool
    risk: list[str]
    review: np.ndarray  # (n,) bool


@dataclass
class FraudModel:
    """A fitted fraudwarn model; build it with ``fraudwarn.training``, persist with ``model.artifact``."""

    features: FeatureSpace
    category_head: LinearHead
    role_head: LinearHead
    platt: tuple[float, float] = (1.0, 0.0)
    thresholds: dict[str, float] = field(
        default_factory=lambda: {"fraud": 0.5, "high": 0.8, "medium": 0.3, "review": 0.6}
    )
    #: A text with fewer known character n-grams than this and no red flag is capped below 高.
    min_evidence: int = 12
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def category_ids(self) -> list[str]:
        return self.category_head.classes

    @property
    def role_ids(self) -> list[str]:
        return self.role_head.classes

    # -- the one scoring path ---------------------------------------------------------
    def prepare(self, texts: Sequence[str]) -> Prepared:
        return prepare(texts)

    def transform(self, prepared: Prepared) -> Any:
        return self.features.transform(prepared.norm, [[h.flag.id for h in f] for f in prepared.flags])

    def fraud_probability(self, cat: np.ndarray, role: np.ndarray) -> np.ndarray:
        """Calibrated P(attempt) from calibrated head probabilities."""
        normal = self.category_ids.index(NORMAL_ID)
        attempt = self.role_ids.index(ATTEMPT_ID)
        raw = (1.0 - cat[:, normal]) * role[:, attempt]
        a, b = self.platt
        return np.asarray(1.0 / (1.0 + np.exp(-(a * logit(raw) + b))))

    def score(self, texts: Sequence[str], *, threshold: float | None = None) -> Scores:
        """Score texts: calibrated probabilities and the verdict (see the module docstring)."""
        return self.score_prepared(self.prepare(texts), threshold=threshold)

    def score_prepared(self, prepared: Prepared, *, threshold: float | None = None) -> Scores:
        """:meth:`score` for texts already through :func:`prepare` (batch dedupes in between)."""
        X = self.transform(prepared)
        cat = self.category_head.proba(X)
        role = self.role_head.proba(X)
        fraud = self.fraud_probability(cat, role)
        return self.verdicts(prepared, X, cat, role, fraud, self.low_evidence(prepared, X), threshold=threshold)

    def low_evidence(self, prepared: Prepared, X: Any) -> np.ndarray:
        """Rows with fewer known character n-grams than ``min_evidence`` and no red flag."""
        f = self.features
        if X.shape[0] == 0:
            return np.zeros(0, dtype=bool)
        n_known = X.count_between(f.char_offset, f.flag_offset)
        has_red = np.array([any(h.flag.kind == RED for h in fl) for fl in prepared.flags], dtype=bool)
        return np.asarray((n_known < self.min_evidence) & ~has_red)

    def verdicts(
        self,
        prepared: Prepared,
        X: Any,
        cat: np.ndarray,
        role: np.ndarray,
        fraud: np.ndarray,
        low_evidence: np.ndarray,
        *,
        threshold: float | None = None,
    ) -> Scores:
        """The decision rule, in one place; invariants hold by construction."""
        t_fraud = self.thresholds["fraud"] if threshold is None else float(threshold)
        t_high = max(self.thresholds["high"], t_fraud)
        t_medium = min(self.thresholds["medium"], t_fraud)
        fraud = fraud.copy()
        cap = np.nextafter(t_high, 0.0)
        fraud[low_evidence] = np.minimum(fraud[low_evidence], cap)
        normal = self.category_ids.index(NORMAL_ID)
        attempt = self.role_ids.index(ATTEMPT_ID)
        fraud_cols = np.array([j for j in range(cat.shape[1]) if j != normal])
        top_fraud = fraud_cols[np.argmax(cat[:, fraud_cols], axis=1)] if len(cat) else np.zeros(0, int)
        is_fraud = fraud >= t_fraud
        about = is_fraud | (cat[:, normal] < 0.5)
        cat_index = np.where(about, top_fraud, normal)
        role_index = np.where(about, np.argmax(role, axis=1), -1)
        role_index = np.where(is_fraud, attempt, role_index)
        risk = [RISK_HIGH if p >= t_high else RISK_MEDIUM if p >= t_medium else RISK_LOW for p in fraud]
        shown = cat[np.arange(len(cat)), cat_index]
        review_t = self.thresholds.get("review", 0.6)
        role_conf = np.where(about, role.max(axis=1), 1.0)
        near = np.abs(fraud - t_fraud) < 0.1
        review = (shown < review_t) | (role_conf < review_t) | near
        return Scores(
            prepared, X, cat, role, fraud, low_evidence, cat_index, role_index, is_fraud, risk, review
        )

    # -- explanations -----------------------------------------------------------------
    def contributions(self, x_row: Any, category: str, reference: str | None = None) -> list[tuple[int, float]]:
        """Exact per-feature contributions toward ``category`` against ``reference``.

        The head is linear, so a feature's share of the score gap is its value times the
        weight difference, divided by the temperature. ``reference`` defaults to 正常 for a
        fraud type and to the strongest fraud type for 正常. Sorted, largest first.
        """
        head = self.category_head
        c = head.classes.index(category)
        row = x_row
        cols, vals = row.indices, row.data
        if reference is None and category == NORMAL_ID:
            s = head.scores(row).ravel()
            s[c] = -np.inf
            r = int(np.argmax(s))
        else:
            r = head.classes.index(reference or NORMAL_ID)
        contrib = vals * (head.coef[c, cols] - head.coef[r, cols]) / head.temperature
        order = np.argsort(-contrib)
        return [(int(cols[j]), float(contrib[j])) for j in order]
