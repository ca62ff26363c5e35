"""Typed results shared by the Python API, the CLI and batch scoring."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .indicators import Indicator


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
class Classification:
    """What fraudwarn says about one message.

    ``category`` is what the text is about; ``role`` what the text is (the fraud itself,
    a report of one, or a warning). ``is_fraud`` holds exactly when the role is 诈骗信息
    and the category is a fraud type; ``fraud_probability`` is the model's probability of
    that, and ``risk`` its level (高/中/低) by thresholds stored in the model manifest.
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

    def to_dict(self, *, include_text: bool = True) -> dict[str, object]:
        d = asdict(self)
        if not include_text:
            d.pop("text")
        d["evidence"] = [
            {"term": e.term, "weight": e.weight, "spans": [list(s) for s in e.spans]} for e in self.evidence
        ]
        return d
