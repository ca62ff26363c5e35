"""Named red flags and legitimacy signals, matched in one pass.

The entries are data (``data/redflags.json``): each has an id, a Chinese name, the fraud
types it points to, keywords and regular expressions. Keywords of all entries go into one
Aho-Corasick automaton (pyahocorasick: a C automaton that finds every keyword of every
entry in a single scan, where a loop of ``str.find`` would scan the text once per keyword);
the few patterns that need co-occurrence ("验证码 … 告诉我") are regular expressions.

Matching runs on the normalised text *without* placeholders, so official short codes
(95588) and amounts remain visible; spans are offsets into that text.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

RED = "red"
LEGIT = "legit"


@dataclass(frozen=True)
class Flag:
    id: str
    name: str
    kind: str
    types: tuple[str, ...]


@dataclass(frozen=True)
class FlagHit:
    """One matched flag: which entry, and where in the matched text."""

    flag: Flag
    spans: tuple[tuple[int, int], ...]


def _raw() -> dict[str, Any]:
    return json.loads(resources.files("fraudwarn").joinpath("data/redflags.json").read_text("utf-8"))


@cache
def fingerprint() -> str:
    """sha256 of the flag table: the model's flag columns mean nothing if it changes."""
    data = resources.files("fraudwarn").joinpath("data/redflags.json").read_bytes()
    return hashlib.sha256(data).hexdigest()


class FlagMatcher:
    """All flags of the table, compiled: keywords in one automaton, regexes apart."""

    def __init__(self, entries: list[dict[str, Any]]) -> None:
        import ahocorasick

        self.flags: tuple[Flag, ...] = tuple(
            Flag(e["id"], e["name"], e["kind"], tuple(e.get("types", ()))) for e in entries
        )
        self.index = {f.id: i for i, f in enumerate(self.flags)}
        self._automaton = ahocorasick.Automaton()
        for i, e in enumerate(entries):
            for kw in e.get("keywords", ()):
                key = kw.lower()
                prev = self._automaton.get(key, ())
                self._automaton.add_word(key, (*prev, (i, len(key))))
        self._has_keywords = len(self._automaton) > 0
        if self._has_keywords:
            self._automaton.make_automaton()
        self._regexes = [(i, re.compile(rx)) for i, e in enumerate(entries) for rx in e.get("regex", ())]

    def match(self, text: str) -> list[FlagHit]:
        """Every flag found in ``text`` (normalised, no placeholders), in table order."""
        spans: dict[int, list[tuple[int, int]]] = {}
        if self._has_keywords and text:
            for end, hits in self._automaton.iter(text):
                for i, n in hits:
                    spans.setdefault(i, []).append((end - n + 1, end + 1))
        for i, rx in self._regexes:
            for m in rx.finditer(text):
                if m.end() > m.start():
                    spans.setdefault(i, []).append((m.start(), m.end()))
        return [FlagHit(self.flags[i], tuple(sorted(set(spans[i])))) for i in sorted(spans)]

    def ids(self, text: str) -> list[str]:
        return [h.flag.id for h in self.match(text)]


@cache
def matcher() -> FlagMatcher:
    """The package's flag table, compiled once per process."""
    return FlagMatcher(_raw()["flags"])


def flag_entries() -> list[dict[str, Any]]:
    """The raw entries (with their test examples), for tests and documentation."""
    return list(_raw()["flags"])
