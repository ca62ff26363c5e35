"""The Python API: classify one message or many with the shipped or a named model."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .categories import ATTEMPT_ID, NORMAL_ID, get_category, get_role
from .errors import InputError
from .explain import explain_row
from .indicators import extract_indicators
from .model import FraudModel, load
from .normalize import normalize
from .result import Classification, TopCategory

#: Longest message accepted by classify (in UTF-8 bytes); longer input is refused.
MAX_BYTES = 1_000_000

_default: FraudModel | None = None
_lock = threading.Lock()


def load_model(path: str | Path | None = None) -> FraudModel:
    """Load a model folder; ``None`` gives the shipped model (loaded once, then cached)."""
    global _default
    if path is not None:
        return load(path)
    with _lock:
        if _default is None:
            _default = load(None)
        return _default


def check_text(text: object) -> str:
    """Raise InputError for what classify cannot take: non-strings, empty, over 1 MB."""
    if not isinstance(text, str):
        raise InputError(f"输入必须是文本（str），收到的是 {type(text).__name__}。")
    if not text.strip():
        raise InputError("输入为空：请提供要检测的消息文本。")
    if len(text) * 4 > MAX_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise InputError("输入超过 1 MB，不像是一条消息；请拆分后再检测，或使用 fraudwarn batch。")
    return text


def build_results(
    model: FraudModel,
    texts: Sequence[str],
    X,
    *,
    explain: bool = True,
    indicators: bool = True,
    top_k: int = 8,
    threshold: float | None = None,
) -> list[Classification]:
    """Turn a feature matrix into results (shared by classify and batch scoring).

    With ``threshold``, ``is_fraud`` is decided by the fraud probability instead of the
    arg-max decision: a lower threshold catches more fraud at the price of precision.
    """
    cat, role = model.predict_proba(X)
    p_fraud = model.fraud_probability(cat, role)
    cat_ids = np.array(model.category_ids)
    out = []
    for i, text in enumerate(texts):
        order = np.argsort(-cat[i])
        cid = str(cat_ids[order[0]])
        c = get_category(cid)
        if cid == NORMAL_ID:
            rid, rname, rprob = None, None, None
        else:
            j = int(np.argmax(role[i]))
            rid = str(model.role_ids[j])
            rname, rprob = get_role(rid).name, round(float(role[i, j]), 4)
        prob = float(cat[i, order[0]])
        review = prob < model.thresholds.get("review", 0.6) or (rprob is not None and rprob < 0.6)
        out.append(
            Classification(
                text=text,
                category=c.name,
                category_id=cid,
                probability=round(prob, 4),
                role=rname,
                role_id=rid,
                role_probability=rprob,
                is_fraud=(cid != NORMAL_ID and rid == ATTEMPT_ID)
                if threshold is None
                else bool(p_fraud[i] >= threshold),
                fraud_probability=round(float(p_fraud[i]), 4),
                risk=model.risk_level(float(p_fraud[i])),
                review=bool(review),
                top=tuple(
                    TopCategory(
                        get_category(str(cat_ids[k])).name, str(cat_ids[k]), round(float(cat[i, k]), 4)
                    )
                    for k in order[:3]
                ),
                evidence=explain_row(model, X[i], cid, text, top_k=top_k) if explain else (),
                indicators=tuple(extract_indicators(text)) if indicators else (),
            )
        )
    return out


def classify_many(
    texts: Iterable[str],
    *,
    model: FraudModel | None = None,
    explain: bool = True,
    top_k: int = 8,
    threshold: float | None = None,
) -> list[Classification]:
    """Classify several messages; raises InputError on the first unusable one."""
    texts = [check_text(t) for t in texts]
    m = model if model is not None else load_model()
    if not texts:
        return []
    X = m.features.transform([normalize(t) for t in texts])
    return build_results(m, texts, X, explain=explain, top_k=top_k, threshold=threshold)


def classify(
    text: str,
    *,
    model: FraudModel | None = None,
    explain: bool = True,
    top_k: int = 8,
    threshold: float | None = None,
) -> Classification:
    """Classify one message: its category, role, probabilities, risk, evidence and indicators."""
    return classify_many([text], model=model, explain=explain, top_k=top_k, threshold=threshold)[0]
