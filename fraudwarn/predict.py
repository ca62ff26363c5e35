"""The Python API: classify one message or many with the shipped or a named model."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from fraudwarn.categories import NORMAL_ID, get_category, get_role
from fraudwarn.errors import InputError
from fraudwarn.model.artifact import load
from fraudwarn.model.classifier import FraudModel, Scores
from fraudwarn.model.explain import explain_row, term_spans
from fraudwarn.result import Classification, RedFlag, TopCategory
from fraudwarn.rules import RuleHit, RuleSet, apply_rules
from fraudwarn.text.indicators import extract_indicators, unique_indicators
from fraudwarn.text.redflags import RED, FlagHit

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


def check_text(text: object, *, position: int | None = None) -> str:
    """Raise InputError for what classify cannot take: non-strings, empty, over 1 MB."""
    where = f"第 {position} 条输入" if position is not None else "输入"
    if not isinstance(text, str):
        raise InputError(f"{where}必须是文本（str），收到的是 {type(text).__name__}。")
    if not text.strip():
        raise InputError(f"{where}为空：请提供要检测的消息文本。")
    if len(text) * 4 > MAX_BYTES and len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise InputError(f"{where}超过 1 MB，不像是一条消息；请拆分后再检测，或使用 fraudwarn batch。")
    return text


def _flags(text: str, hits: Sequence[FlagHit], plain: str, kind: str) -> tuple[RedFlag, ...]:
    out = []
    for h in hits:
        if (h.flag.kind == RED) != (kind == RED):
            continue
        spans: list[tuple[int, int]] = []
        for s, e in h.spans:
            spans.extend(term_spans(text, plain[s:e]))
        out.append(RedFlag(h.flag.id, h.flag.name, h.flag.kind, tuple(sorted(set(spans)))))
    return tuple(out)


def build_results(
    model: FraudModel,
    v: Scores,
    *,
    explain: bool = True,
    indicators: bool = True,
    top_k: int = 8,
    rules: RuleSet | None = None,
    senders: Sequence[str | None] | None = None,
) -> list[Classification]:
    """Turn scores into results (shared by classify, the CLI and the web page); rules apply last."""
    cat_ids = model.category_ids
    found = [unique_indicators(extract_indicators(t)) for t in v.prepared.texts]
    hits: list[RuleHit | None] = [None] * len(found)
    if rules is not None:
        hits = [rules.match(t, ind, (senders[i] if senders else None))
                for i, (t, ind) in enumerate(zip(v.prepared.texts, found))]
        apply_rules(model, v, hits)
    out = []
    for i, text in enumerate(v.prepared.texts):
        cid = cat_ids[int(v.category_index[i])]
        c = get_category(cid)
        if cid == NORMAL_ID:
            rid, rname, rprob = None, None, None
        else:
            j = int(v.role_index[i])
            rid = model.role_ids[j]
            rname, rprob = get_role(rid).name, round(float(v.role[i, j]), 4)
        order = np.argsort(-v.category[i])
        flag_hits = v.prepared.flags[i]
        plain = v.prepared.plain[i]
        out.append(
            Classification(
                text=text,
                category=c.name,
                category_id=cid,
                probability=round(float(v.category[i, int(v.category_index[i])]), 4),
                role=rname,
                role_id=rid,
                role_probability=rprob,
                is_fraud=bool(v.is_fraud[i]),
                fraud_probability=round(float(v.fraud[i]), 4),
                risk=v.risk[i],
                review=bool(v.review[i]),
                top=tuple(
                    TopCategory(get_category(cat_ids[k]).name, cat_ids[k], round(float(v.category[i, k]), 4))
                    for k in order[:3]
                ),
                evidence=explain_row(model, v.X[i], cid, text, top_k=top_k) if explain else (),
                indicators=tuple(found[i]) if indicators else (),
                red_flags=_flags(text, flag_hits, plain, RED),
                legit_signals=_flags(text, flag_hits, plain, "legit"),
                rule=hits[i],
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
    rules: RuleSet | None = None,
    senders: Sequence[str | None] | None = None,
) -> list[Classification]:
    """Classify several messages; raises InputError naming the first unusable one."""
    texts = list(texts)
    texts = [check_text(t, position=(i + 1) if len(texts) > 1 else None) for i, t in enumerate(texts)]
    m = model if model is not None else load_model()
    if not texts:
        return []
    return build_results(m, m.score(texts, threshold=threshold), explain=explain, top_k=top_k, rules=rules,
                         senders=senders)


def classify(
    text: str,
    *,
    model: FraudModel | None = None,
    explain: bool = True,
    top_k: int = 8,
    threshold: float | None = None,
    rules: RuleSet | None = None,
    sender: str | None = None,
) -> Classification:
    """Classify one message: category, role, calibrated fraud probability, risk, red flags, evidence."""
    return classify_many([text], model=model, explain=explain, top_k=top_k, threshold=threshold, rules=rules,
                         senders=[sender])[0]
