"""Why the model decided: the terms that pushed a message toward its category.

The heads are linear, so a term's contribution is exact: its TF-IDF value times the
difference between its weight for the predicted category and for the reference class
(正常 for a fraud type; the runner-up when the prediction is 正常), divided by the
calibration temperature. Terms are mapped back to character spans of the original
text, so a user sees them highlighted where they stand.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

from fraudwarn.result import Evidence
from fraudwarn.text.indicators import extract_indicators
from fraudwarn.text.normalize import PLACEHOLDERS, to_simplified

if TYPE_CHECKING:
    from fraudwarn.model.classifier import FraudModel

_PLACEHOLDER_KIND = {v: k for k, v in PLACEHOLDERS.items()}
_INDICATOR_KIND = {"card": "bank_card", "number": None}


def _display_term(name: str) -> str | None:
    kind, _, term = name.partition("__")
    if kind == "word":
        return term.replace(" ", "")
    term = term.strip()
    if not term or (("<" in term or ">" in term) and term not in _PLACEHOLDER_KIND):
        return None  # a fragment of a placeholder, meaningless to a reader
    if not re.fullmatch(r"[\w<>]+", term):
        return None  # punctuation or a space inside: a fragment, not a term
    return term


def _folded_index(text: str) -> tuple[str, list[int]]:
    """A searchable, case- and width-folded simplified copy of ``text`` and its index map."""
    chars, index = [], []
    for i, ch in enumerate(text):
        f = unicodedata.normalize("NFKC", ch).lower()
        if not f or f.isspace() or unicodedata.category(ch) in ("Cf", "Cc"):
            continue
        for c in f:
            chars.append(c)
            index.append(i)
    folded = "".join(chars)
    simplified = to_simplified(folded)
    if len(simplified) == len(folded):
        folded = simplified
    return folded, index


def term_spans(text: str, term: str) -> tuple[tuple[int, int], ...]:
    """Spans of ``term`` in the original ``text`` (ignoring width, case, spacing, script)."""
    kind = _PLACEHOLDER_KIND.get(term)
    if kind is not None:
        want = _INDICATOR_KIND.get(kind, kind)
        return tuple((i.start, i.end) for i in extract_indicators(text) if i.kind == want)
    folded, index = _folded_index(text)
    needle = term.replace(" ", "")
    spans = []
    start = folded.find(needle)
    while start >= 0 and needle:
        end = start + len(needle) - 1
        spans.append((index[start], index[end] + 1))
        start = folded.find(needle, start + 1)
    return tuple(spans)


def _display(model: FraudModel, j: int) -> str | None:
    block, term = model.features.feature_name(j)
    if block == "flag":
        return None  # red flags are reported by name, not as terms
    return _display_term(f"{block}__{term}")


def explain_row(
    model: FraudModel, x_row: Any, category_id: str, text: str, *, top_k: int = 8, reference: str | None = None
) -> tuple[Evidence, ...]:
    """Top terms pushing ``x_row`` toward ``category_id`` (from :meth:`FraudModel.contributions`)."""
    chosen: list[Evidence] = []
    for j, w in model.contributions(x_row, category_id, reference):
        if w <= 0 or len(chosen) >= top_k:
            break
        term = _display(model, j)
        if term is None or any(term in e.term or e.term in term for e in chosen):
            continue
        chosen.append(Evidence(term, round(w, 4), term_spans(text, term)))
    return tuple(chosen)
