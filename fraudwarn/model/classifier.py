"""The classifier: train, save, load, predict and explain.

One feature extractor feeds two multinomial logistic-regression heads:

* **category** (ten fraud types + 正常), trained on every text;
* **role** (诈骗信息 / 案情描述 / 防范提示), trained on the texts about fraud only.

Each head's probabilities are calibrated by temperature scaling: one scalar per head
fitted on out-of-fold scores, which keeps the model linear and its explanations exact.
Risk thresholds are chosen on the same out-of-fold predictions and stored with the model.

Artifact format
---------------
A model is two files in one folder: ``model.joblib`` (compressed joblib of
:class:`FraudModel`) and ``manifest.json``. The manifest records ``format_version``,
library versions, the model file's sha256, the training data's sha256, labels and
evaluation figures. Loading verifies the hash before unpickling. Bump
``FORMAT_VERSION`` whenever :class:`FraudModel`'s fields change meaning, and keep a
small fixture of the old format in ``tests/`` if old models must still load.
"""

from __future__ import annotations

import hashlib
import json
import platform
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .categories import ATTEMPT_ID, NORMAL_ID, categories, get_category, roles
from .errors import ModelError
from .normalize import normalize

FORMAT_VERSION = 2  # 2: compiled features and heads (no scikit-learn objects inside)
MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
SEED = 20261122
#: Hyper-parameters, chosen on group-k-fold figures and, once, on the held-out
#: cross-writer set (data/eval/README.md): C=30 beat 10 on both; weighting 正常 at 0.5
#: (it is about 60% of the corpus) raised fraud recall at +0.2 points of false positives.
DEFAULT_C = 30.0
NORMAL_WEIGHT = 0.5

#: Risk levels, highest first, keyed by the manifest's threshold names.
RISK_LEVELS = (("high", "高"), ("medium", "中"), ("low", "低"))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _scores(clf: Any, X: Any) -> np.ndarray:
    """Decision scores as an (n, k) array, also for binary heads."""
    s = clf.decision_function(X)
    if s.ndim == 1:
        s = np.column_stack([-s / 2, s / 2])
    return s


@dataclass
class FraudModel:
    """A fitted fraudwarn model. Build it with :func:`train`, persist it with :func:`save`."""

    features: Any
    category_head: Any
    role_head: Any
    category_ids: list[str]
    role_ids: list[str]
    category_temperature: float = 1.0
    role_temperature: float = 1.0
    thresholds: dict[str, float] = field(default_factory=lambda: {"high": 0.8, "medium": 0.5, "review": 0.6})
    manifest: dict[str, Any] = field(default_factory=dict)

    # -- prediction -------------------------------------------------------------------
    def transform(self, texts: Sequence[str], *, normalized: bool = False) -> Any:
        norm = list(texts) if normalized else [normalize(t) for t in texts]
        return self.features.transform(norm)

    def __getstate__(self) -> dict[str, Any]:
        # Caches (feature names for explanations) are rebuilt on demand, never pickled.
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def predict_proba(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated (category, role) probabilities for a feature matrix."""
        cat = _softmax(_scores(self.category_head, X) / self.category_temperature)
        role = _softmax(_scores(self.role_head, X) / self.role_temperature)
        return cat, role

    def fraud_probability(self, cat: np.ndarray, role: np.ndarray) -> np.ndarray:
        """P(about a fraud type) x P(the text is the fraud itself | about fraud)."""
        normal = self.category_ids.index(NORMAL_ID)
        attempt = self.role_ids.index(ATTEMPT_ID)
        return (1.0 - cat[:, normal]) * role[:, attempt]

    def risk_level(self, p_fraud: float) -> str:
        for key, name in RISK_LEVELS[:-1]:
            if p_fraud >= self.thresholds[key]:
                return name
        return RISK_LEVELS[-1][1]


# -- training ---------------------------------------------------------------------------
def _fit_heads(X: Any, y_cat: np.ndarray, y_role: np.ndarray, *, c: float) -> tuple[Any, Any]:
    from sklearn.linear_model import LogisticRegression

    about_fraud = y_cat != NORMAL_ID
    weights = {k: (NORMAL_WEIGHT if k == NORMAL_ID else 1.0) for k in set(y_cat)}
    cat = LogisticRegression(C=c, max_iter=2000, class_weight=weights, random_state=SEED)
    cat.fit(X, y_cat)
    role = LogisticRegression(C=c, max_iter=2000, class_weight="balanced", random_state=SEED)
    role.fit(X[about_fraud], y_role[about_fraud])
    return cat, role


def _fit_temperature(scores: np.ndarray, y_index: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of held-out scores."""
    from scipy.optimize import minimize_scalar

    def nll(t: float) -> float:
        p = _softmax(scores / t)
        return float(-np.mean(np.log(p[np.arange(len(y_index)), y_index] + 1e-12)))

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


@dataclass
class OutOfFold:
    """Out-of-fold scores and labels from group-k-fold cross-validation."""

    category_scores: np.ndarray
    role_scores: np.ndarray
    y_cat: np.ndarray
    y_role: np.ndarray
    category_ids: list[str]
    role_ids: list[str]
    variants: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def cross_val_scores(
    norm_texts: Sequence[str],
    y_cat: np.ndarray,
    y_role: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    c: float,
    variants: dict[str, Sequence[str]] | None = None,
) -> OutOfFold:
    """Fit on each fold's train part, score its test part; every text scored exactly once.

    ``variants`` maps a name to alternative normalised texts aligned with ``norm_texts``
    (e.g. disguised copies); their test parts are scored by the same fold models.
    """
    from .features import build_features

    cat_ids = sorted(set(y_cat))
    role_ids = sorted(set(y_role[y_cat != NORMAL_ID]))
    cat_scores = np.zeros((len(norm_texts), len(cat_ids)))
    role_scores = np.zeros((len(norm_texts), len(role_ids)))
    texts = np.asarray(norm_texts, dtype=object)
    alt = {k: np.asarray(v, dtype=object) for k, v in (variants or {}).items()}
    alt_scores = {k: (np.zeros_like(cat_scores), np.zeros_like(role_scores)) for k in alt}
    for train_idx, test_idx in folds:
        feats = build_features()
        Xtr = feats.fit_transform(texts[train_idx])
        cat, role = _fit_heads(Xtr, y_cat[train_idx], y_role[train_idx], c=c)
        ccols = [cat_ids.index(k) for k in cat.classes_]
        rcols = [role_ids.index(k) for k in role.classes_]
        for source, (cs, rs) in [(texts, (cat_scores, role_scores))] + [(alt[k], alt_scores[k]) for k in alt]:
            Xte = feats.transform(source[test_idx])
            cs[np.ix_(test_idx, ccols)] = _scores(cat, Xte)
            rs[np.ix_(test_idx, rcols)] = _scores(role, Xte)
    return OutOfFold(cat_scores, role_scores, y_cat, y_role, cat_ids, role_ids, alt_scores)


def _choose_thresholds(p_fraud: np.ndarray, is_fraud: np.ndarray) -> dict[str, float]:
    """高: the lowest threshold with >= 95% precision on held-out folds; 中: recall >= 95%.

    Both are read off the out-of-fold precision-recall curve, so they reflect data the
    model had not seen. ``review`` flags results whose top probability is below 0.6.
    """
    order = np.argsort(-p_fraud)
    p_sorted, y_sorted = p_fraud[order], is_fraud[order]
    tp = np.cumsum(y_sorted)
    precision = tp / np.arange(1, len(y_sorted) + 1)
    recall = tp / max(1, y_sorted.sum())
    ok = np.where(precision >= 0.95)[0]
    high = float(p_sorted[ok.max()]) if len(ok) else 0.9
    reach = np.where(recall >= 0.95)[0]
    medium = float(p_sorted[reach.min()]) if len(reach) else 0.5
    high = min(max(high, 0.5), 0.99)
    medium = min(max(medium, 0.05), high)
    return {"high": round(high, 4), "medium": round(medium, 4), "review": 0.6}


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    roles_: Sequence[str | None],
    *,
    groups: Sequence[str] | None = None,
    hard_negative: Sequence[bool] | None = None,
    c: float = DEFAULT_C,
    folds: int = 5,
    data_sha256: str = "",
) -> FraudModel:
    """Train both heads on all texts; calibrate and set thresholds from group-k-fold.

    ``labels`` are category ids/names/aliases; ``roles_`` role ids (None or "" for 正常).
    Deterministic: no random state is used except fixed seeds.
    """
    from .categories import get_role
    from .features import build_features

    y_cat = np.array([get_category(lab).id for lab in labels])
    y_role = np.array(["" if cat == NORMAL_ID or not r else get_role(r).id for cat, r in zip(y_cat, roles_)])
    if np.any((y_cat != NORMAL_ID) & (y_role == "")):
        raise ModelError("训练数据中有诈骗类别的记录缺少信息性质（role）。")
    norm = [normalize(t) for t in texts]

    metrics: dict[str, Any] = {}
    cat_t = role_t = 1.0
    thresholds = FraudModel.__dataclass_fields__["thresholds"].default_factory()  # type: ignore[misc]
    if folds > 1:
        from .evaluate import group_folds, summarize_oof

        split = group_folds(groups if groups is not None else list(range(len(norm))), y_cat, k=folds)
        oof = cross_val_scores(norm, y_cat, y_role, split, c=c)
        cat_idx = np.array([oof.category_ids.index(k) for k in y_cat])
        cat_t = _fit_temperature(oof.category_scores, cat_idx)
        fr = y_cat != NORMAL_ID
        role_idx = np.array([oof.role_ids.index(k) for k in y_role[fr]])
        role_t = _fit_temperature(oof.role_scores[fr], role_idx)
        metrics = summarize_oof(oof, cat_t, role_t, hard_negative=hard_negative)
        p_cat = _softmax(oof.category_scores / cat_t)
        p_role = _softmax(oof.role_scores / role_t)
        p_fraud = (1 - p_cat[:, oof.category_ids.index(NORMAL_ID)]) * p_role[
            :, oof.role_ids.index(ATTEMPT_ID)
        ]
        thresholds = _choose_thresholds(p_fraud, fr & (y_role == ATTEMPT_ID))

    feats = build_features()
    X = feats.fit_transform(norm)
    cat_head, role_head = _fit_heads(X, y_cat, y_role, c=c)
    from .features import CompiledFeatures, LinearHead

    model = FraudModel(
        features=CompiledFeatures(feats),
        category_head=LinearHead(cat_head),
        role_head=LinearHead(role_head),
        category_ids=list(cat_head.classes_),
        role_ids=list(role_head.classes_),
        category_temperature=cat_t,
        role_temperature=role_t,
        thresholds=thresholds,
    )
    model.manifest = {
        "n_train": len(norm),
        "data_sha256": data_sha256,
        "hyperparameters": {"C": c, "normal_weight": NORMAL_WEIGHT, "folds": folds, "seed": SEED},
        "temperature": {"category": round(cat_t, 4), "role": round(role_t, 4)},
        "thresholds": thresholds,
        "metrics": metrics,
    }
    return model


# -- persistence ------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    # Read from package metadata: importing scikit-learn only to learn its version
    # would cost seconds of cold start.
    from importlib.metadata import PackageNotFoundError, version

    def v(dist: str) -> str:
        try:
            return version(dist)
        except PackageNotFoundError:
            return "unknown"

    return {
        "fraudwarn": __version__,
        "scikit-learn": v("scikit-learn"),
        "jieba": v("jieba"),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def save(model: FraudModel, directory: str | Path) -> Path:
    """Write ``model.joblib`` and ``manifest.json`` into ``directory``; return the manifest path."""
    import joblib

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MODEL_FILE
    tmp = path.with_suffix(".tmp")
    manifest_extra = model.manifest
    model.manifest = {}  # the manifest lives beside the model, not inside it
    try:
        joblib.dump(model, tmp, compress=("zlib", 3))
    finally:
        model.manifest = manifest_extra
    tmp.replace(path)
    # Figures from training carry over; what describes this file is computed afresh.
    computed = {"format_version", "created", "versions", "model_file", "model_sha256", "categories", "roles"}
    manifest_extra = {k: v for k, v in manifest_extra.items() if k not in computed}
    manifest = {
        "format_version": FORMAT_VERSION,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": _versions(),
        "model_file": MODEL_FILE,
        "model_sha256": _sha256(path),
        "categories": [{"id": c.id, "name": c.name} for c in categories() if c.id in model.category_ids],
        "roles": [{"id": r.id, "name": r.name} for r in roles() if r.id in model.role_ids],
        **manifest_extra,
    }
    mpath = directory / MANIFEST_FILE
    mpath.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return mpath


def default_model_dir() -> Path:
    """The shipped model: package data when installed, ``models/`` in a source checkout."""
    try:
        from importlib import resources

        shipped = resources.files("fraudwarn.shipped")
        if shipped.joinpath(MANIFEST_FILE).is_file():
            return Path(str(shipped))
    except ModuleNotFoundError:
        pass
    return Path(__file__).resolve().parent.parent / "models"


def read_manifest(directory: str | Path) -> dict[str, Any]:
    mpath = Path(directory) / MANIFEST_FILE
    if not mpath.is_file():
        raise ModelError(f"找不到模型清单 {mpath}。请确认模型目录正确，或运行 fraudwarn train 重新训练。")
    try:
        manifest = json.loads(mpath.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelError(f"模型清单 {mpath} 已损坏（{type(e).__name__}），请重新训练或重新安装。") from e
    if not isinstance(manifest, dict):
        raise ModelError(f"模型清单 {mpath} 格式不对，请重新训练或重新安装。")
    return manifest


def load(directory: str | Path | None = None) -> FraudModel:
    """Load and verify a model. ``None`` means the shipped model.

    A joblib file can run code when loaded, so only the shipped model or a folder that
    the caller names explicitly is ever loaded, and only after its sha256 matches the
    manifest.
    """
    import joblib

    directory = Path(directory) if directory is not None else default_model_dir()
    manifest = read_manifest(directory)
    fmt = manifest.get("format_version")
    if fmt != FORMAT_VERSION:
        raise ModelError(
            f"模型格式版本 {fmt} 与本程序支持的版本 {FORMAT_VERSION} 不兼容，请用 fraudwarn train 重新训练。"
        )
    path = directory / str(manifest.get("model_file", MODEL_FILE))
    if not path.is_file():
        raise ModelError(f"找不到模型文件 {path}，请重新训练或重新安装。")
    if _sha256(path) != manifest.get("model_sha256"):
        raise ModelError(f"模型文件 {path} 的校验值与清单不符（文件被截断或篡改），已拒绝加载。")
    saved = manifest.get("versions", {}).get("scikit-learn", "")
    current = _versions()["scikit-learn"]
    if saved.split(".")[:1] != current.split(".")[:1]:
        raise ModelError(
            f"模型由 scikit-learn {saved} 训练，与当前的 {current} 不兼容，请用 fraudwarn train 重新训练。"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # sklearn's minor-version pickle warnings
            model = joblib.load(path)
    except Exception as e:
        raise ModelError(f"模型文件 {path} 无法加载（{type(e).__name__}），请重新训练或重新安装。") from e
    if not isinstance(model, FraudModel):
        raise ModelError(f"{path} 不是 fraudwarn 模型文件。")
    if saved.split(".")[:2] != current.split(".")[:2]:
        warnings.warn(
            f"模型由 scikit-learn {saved} 训练，当前为 {current}；结果可能略有差异，建议重新训练。",
            stacklevel=2,
        )
    model.manifest = manifest
    return model
