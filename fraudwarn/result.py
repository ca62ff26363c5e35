"""Typed results shared by the Python API, the CLI and batch scoring."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from fraudwarn.rules import RuleHit
from fraudwarn.text.indicators import Indicator


@dataclass(frozen=True)
class TopCategory:
    category: str
    category_id: str
    probability: float


@dataclass(frozen=True)
class Evidence:
    """A term (word or character n-gram of the normalised text) that pushed the decision."""

    term: str
    weight: float
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class RedFlag:
    """A named tell found in the text: a red flag (kind ``red``) or a legitimacy signal (``legit``)."""

    id: str
    name: str
    kind: str
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Classification:
    """What fraudwarn says about one message.

    ``category`` is what the text is about; ``role`` what the text is (the fraud itself,
    a report of one, or a warning). ``fraud_probability`` is the calibrated probability
    that the text is itself a fraud attempt, ``is_fraud`` whether it reaches the model's fraud
    threshold, and ``risk`` its level (高/中/低) by thresholds stored in the model manifest.
    Invariants: 高 implies ``is_fraud``; ``is_fraud`` implies a fraud type and role 诈骗信息;
    category 正常 implies risk 低 or 中.
    """

    text: str
    category: str
    category_id: str
    probability: float
    role: str | None
    role_id: str | None
    role_probability: float | None
    is_fraud: bool
    fraud_probability: float
    risk: str
    review: bool
    top: tuple[TopCategory, ...]
    evidence: tuple[Evidence, ...] = ()
    indicators: tuple[Indicator, ...] = field(default_factory=tuple)
    red_flags: tuple[RedFlag, ...] = ()
    legit_signals: tuple[RedFlag, ...] = ()
    rule: RuleHit | None = None  # the deployment rule that decided, if any (``--rules``)

    def to_dict(self, *, include_text: bool = True) -> dict[str, object]:
        d = asdict(self)
        if not include_text:
            d.pop("text")
        d["evidence"] = [
            {"term": e.term, "weight": e.weight, "spans": [list(s) for s in e.spans]} for e in self.evidence
        ]
        for key in ("red_flags", "legit_signals"):
            d[key] = [
                {"id": f.id, "name": f.name, "spans": [list(s) for s in f.spans]} for f in getattr(self, key)
            ]
        return d
