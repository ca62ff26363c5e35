"""Disguised variants of a text: the tricks fraud senders use to slip past filters.

Each trick is a small deterministic function ``(text, rng) -> text``; :func:`attack`
applies one or several. They exist to measure robustness (``fraudwarn evaluate
--attack``) and, if it helps, to augment training; de-obfuscation in
:mod:`fraudwarn.text.normalize` is the defence.
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources

_CJK = re.compile(r"[\u4e00-\u9fff]")
_EMOJI = ["😊", "🔥", "💰", "👉", "✨", "❤", "⭐", "🎁"]


@cache
def _disguises() -> dict[str, list[str]]:
    """Plain word -> the disguised spellings in the de-obfuscation table (inverted)."""
    raw = json.loads(resources.files("fraudwarn").joinpath("data/deobfuscation.json").read_text("utf-8"))
    inv: dict[str, list[str]] = defaultdict(list)
    for disguised, plain in raw["replace"].items():
        inv[plain].append(disguised)
    return {k: sorted(v) for k, v in inv.items()}


def spacing(text: str, rng: random.Random) -> str:
    """Spaces or dots between Chinese characters (刷 单, 加.微.信)."""
    sep = rng.choice([" ", " ", ".", "·", "*"])
    return re.sub(
        r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])", lambda _: sep if rng.random() < 0.6 else "", text
    )


def zero_width(text: str, rng: random.Random) -> str:
    return "".join(ch + ("\u200b" if rng.random() < 0.5 else "") for ch in text)


def full_width(text: str, rng: random.Random) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def homophones(text: str, rng: random.Random) -> str:
    """Key words replaced by look-alike, homophone or pinyin spellings (微信 -> 薇信, 刷单 -> shua单)."""
    table = _disguises()
    words = sorted(table, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(w) for w in words))
    return pattern.sub(lambda m: rng.choice(table[m.group(0)]), text)


def emoji(text: str, rng: random.Random) -> str:
    return re.sub(
        r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])",
        lambda _: rng.choice(_EMOJI) if rng.random() < 0.25 else "",
        text,
    )


def traditional(text: str, rng: random.Random) -> str:
    return _s2t().convert(text)


@cache
def _s2t():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2t")


TRICKS: dict[str, Callable[[str, random.Random], str]] = {
    "spacing": spacing,
    "zero_width": zero_width,
    "full_width": full_width,
    "homophones": homophones,
    "emoji": emoji,
    "traditional": traditional,
}


def attack(text: str, tricks: Sequence[str] = ("combined",), *, seed: int = 0) -> str:
    """Apply the named tricks in order; ``combined`` means all of them."""
    names = list(TRICKS) if "combined" in tricks else list(tricks)
    rng = random.Random(f"{seed}|{text}")
    # Word-level tricks first, then character-level ones that would break the words.
    order = ["homophones", "traditional", "full_width", "emoji", "spacing", "zero_width"]
    for name in sorted(names, key=order.index):
        text = TRICKS[name](text, rng)
    return text
