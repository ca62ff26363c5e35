"""Extract 涉诈线索 (fraud indicators) from the original text.

URLs, phone numbers, QQ and WeChat ids, bank cards, money amounts and app names are
what anti-fraud platforms record and block. Extraction runs on the text as the user
gave it, so spans point into the original; values are given in NFKC form (full-width
digits folded) so that they can be matched against blocklists.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any

from fraudwarn.text import patterns as P

KINDS = ("url", "email", "phone", "qq", "wechat", "id_number", "bank_card", "money", "app")
#: Trailing characters a URL regex swallows but a writer meant as punctuation.
_URL_TAIL = ".,;:!?)]}'\"-_~*&#@=+/%"
#: At most this many indicators are listed per message (distinct values, most frequent first).
MAX_INDICATORS = 50

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_id_number(value: str) -> bool:
    """The GB 11643 checksum of an 18-character resident identity number."""
    v = value.upper()
    if len(v) != 18 or not v[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(v[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == v[17]


@dataclass(frozen=True)
class Indicator:
    kind: str
    value: str
    start: int
    end: int
    count: int = 1  # occurrences of this (kind, value) in the text, after de-duplication

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _app_names() -> set[str]:
    text = resources.files("fraudwarn").joinpath("data/apps.txt").read_text("utf-8")
    return {ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")}


@cache
def _app_pattern() -> re.Pattern[str]:
    """The app names as one regex: the reference :func:`_find_apps` is tested against."""
    alternation = "|".join(re.escape(n) for n in sorted(_app_names(), key=len, reverse=True))
    # Latin names must stand alone (QQ in "QQ号" yes, "line" inside "online" no).
    return re.compile(rf"(?<![A-Za-z])(?:{alternation})(?![A-Za-z])", re.IGNORECASE)


@cache
def _app_automaton() -> Any:
    """All app names in one Aho-Corasick automaton (lower-cased ASCII), values = name lengths."""
    import ahocorasick

    a = ahocorasick.Automaton()
    for name in _app_names():
        key = name.translate(_ASCII_LOWER)
        a.add_word(key, len(key))
    a.make_automaton()
    return a


_ASCII_LOWER = {cp: cp + 32 for cp in range(ord("A"), ord("Z") + 1)}


def _is_ascii_letter(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def _find_apps(text: str) -> list[tuple[int, int]]:
    """Spans of app names, as ``_app_pattern().finditer`` gives them, in one scan.

    A regex alternation of ~90 names tries each name at each position; the automaton reads
    the text once. Leftmost match first, the longest name at a position, a Latin name only
    when no ASCII letter touches it; then the scan goes on after the match.
    """
    if not text:
        return []
    cands = []
    for end, n in _app_automaton().iter(text.translate(_ASCII_LOWER)):
        start, stop = end - n + 1, end + 1
        if (start > 0 and _is_ascii_letter(text[start - 1])) or (stop < len(text) and _is_ascii_letter(text[stop])):
            continue
        cands.append((start, stop))
    cands.sort(key=lambda se: (se[0], -se[1]))
    out: list[tuple[int, int]] = []
    pos = 0
    for start, stop in cands:
        if start >= pos:
            out.append((start, stop))
            pos = stop
    return out


# Full-width ASCII to ASCII, one character for one, so spans stay valid in the original.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _clean(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def extract_indicators(text: str) -> list[Indicator]:
    """All indicators in ``text``, in order of position; overlapping matches keep the first kind."""
    original = text
    text = text.translate(_HALF_WIDTH)
    found: list[Indicator] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int, value: str | None = None) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        raw = value if value is not None else original[start:end]
        found.append(Indicator(kind, _clean(raw), start, end))

    for m in P.URL.finditer(text):
        start, end = m.span()
        while end > start and text[end - 1] in _URL_TAIL and not text[start:end].endswith("://"):
            if text[end - 1] == "/" and text[start:end].count("/") > 2:
                break  # a path's own slash stays
            end -= 1
        add("url", start, end)
    for m in P.EMAIL.finditer(text):
        add("email", *m.span())
    for m in P.WECHAT.finditer(text):
        g = 1 if m.group(1) is not None else 2
        add("wechat", *m.span(g))
    for m in P.QQ.finditer(text):
        add("qq", *m.span(1), value=m.group(1).replace(" ", ""))
    for m in P.ID_CARD.finditer(text):
        if valid_id_number(m.group(0)):
            add("id_number", *m.span(), value=m.group(0).upper())
    for m in P.BANK_CARD.finditer(text):
        add("bank_card", *m.span(), value=re.sub(r"[ -]", "", m.group(0)))
    for m in P.PHONE.finditer(text):
        add("phone", *m.span(), value=re.sub(r"[ -]", "", m.group(0)))
    for m in P.MONEY.finditer(text):
        add("money", *m.span())
    for start, end in _find_apps(text):
        add("app", start, end)
    found.sort(key=lambda i: i.start)
    return found


def unique_indicators(found: list[Indicator], *, limit: int = MAX_INDICATORS) -> list[Indicator]:
    """Distinct (kind, value) pairs, first span kept, with their count; most frequent first, capped.

    One long message can repeat a WeChat id thousands of times; a reader wants it once, with a count.
    """
    from collections import Counter

    counts = Counter((i.kind, i.value) for i in found)
    first: dict[tuple[str, str], Indicator] = {}
    for i in found:
        first.setdefault((i.kind, i.value), i)
    ranked = sorted(first.values(), key=lambda i: (-counts[(i.kind, i.value)], i.start))[:limit]
    return [Indicator(i.kind, i.value, i.start, i.end, counts[(i.kind, i.value)]) for i in ranked]


def _mask_digits(s: str, keep_head: int, keep_tail: int) -> str:
    digits = [i for i, ch in enumerate(s) if ch.isalnum()]
    hidden = set(digits[keep_head : len(digits) - keep_tail])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(s))


def mask_pii(text: str) -> str:
    """Mask identity-card numbers, bank cards and phone numbers, keeping a few digits.

    ``138****5678``, ``6222 **** **** 0123``, ``110105********1234``: enough to match a
    report by hand, not enough to reuse. Apply before anything is written.
    """
    folded = text.translate(_HALF_WIDTH)  # same length: spans stay valid
    spans: list[tuple[int, int, int, int]] = []
    for pattern, head, tail in ((P.ID_CARD, 6, 4), (P.BANK_CARD, 4, 4), (P.PHONE, 3, 4)):
        for m in pattern.finditer(folded):
            if not any(s < m.end() and m.start() < e for s, e, _, _ in spans):
                spans.append((m.start(), m.end(), head, tail))
    for s, e, head, tail in sorted(spans, reverse=True):
        text = text[:s] + _mask_digits(text[s:e], head, tail) + text[e:]
    return text
