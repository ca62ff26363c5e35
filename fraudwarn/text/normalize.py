"""Text normalisation: small pure ``str -> str`` steps composed into :func:`normalize`.

The model sees normalised text; people see the original. Normalisation folds the
forms a message can take (full-width, traditional characters, spacing and look-alike
tricks, case) and replaces concrete identifiers by typed placeholders, so the model
learns "asks you to add a WeChat id" rather than one particular id. It is idempotent:
``normalize(normalize(t)) == normalize(t)``.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from functools import cache
from importlib import resources

from fraudwarn.text import patterns as P

#: Placeholder tokens, one per identifier type. ASCII so jieba keeps each one whole.
PLACEHOLDERS = {
    "url": "<url>",
    "email": "<email>",
    "card": "<card>",
    "phone": "<phone>",
    "qq": "<qq>",
    "wechat": "<wechat>",
    "money": "<money>",
    "number": "<num>",
}

# Format (Cf) and control (Cc) characters are invisible: zero-width spaces and joiners,
# BOMs, bidi marks, soft hyphens. Line breaks and tabs become spaces instead.
_WHITESPACE_CONTROLS = {"\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f", "\x85"}


def unicode_nfkc(text: str) -> str:
    """Full-width letters, digits and punctuation to their ordinary forms."""
    return unicodedata.normalize("NFKC", text)


def remove_invisible(text: str) -> str:
    """Drop zero-width, format and control characters; turn line breaks into spaces."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in _WHITESPACE_CONTROLS:
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn", "Co"):
            continue
        else:
            out.append(ch)
    return "".join(out)


@cache
def _opencc():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


_HAN = re.compile(f"[{P.CJK}]")


def to_simplified(text: str) -> str:
    """Traditional to simplified Chinese with OpenCC's t2s dictionary (phrase-aware)."""
    if not _HAN.search(text):
        return text
    return _opencc().convert(text)


def fold_case(text: str) -> str:
    return text.lower()


def fold_whitespace(text: str) -> str:
    """One space between tokens; none between two Chinese characters, nor filler symbols."""
    text = P.FILLER_BETWEEN_CJK.sub("", text)
    text = P.SPACE_BETWEEN_CJK_DIGITS.sub("", text)
    return P.WHITESPACE.sub(" ", text).strip()


@cache
def _deobfuscation() -> tuple[re.Pattern[str], dict[str, str]]:
    raw = json.loads(resources.files("fraudwarn").joinpath("data/deobfuscation.json").read_text("utf-8"))
    table: dict[str, str] = raw["replace"]
    keys = sorted(table, key=len, reverse=True)
    # Placeholders (<wechat>) match first and are left alone, so the step is idempotent.
    alternation = "|".join(re.escape(k) for k in keys)
    return re.compile(f"<[a-z]+>|{alternation}"), table


def deobfuscate(text: str) -> str:
    """Undo homophone, look-alike and pinyin spellings of key words (薇信 -> 微信)."""
    pattern, table = _deobfuscation()
    return pattern.sub(lambda m: table.get(m.group(0), m.group(0)), text)


def _sub_group(pattern: re.Pattern[str], token: str, text: str) -> str:
    """Replace only the captured id, keeping the keyword before it (``qq 12345`` -> ``qq <qq>``)."""

    def repl(m: re.Match[str]) -> str:
        for g in range(1, (pattern.groups or 0) + 1):
            if m.group(g) is not None:
                s, e = m.span(g)
                return m.group(0)[: s - m.start()] + f" {token} " + m.group(0)[e - m.start() :]
        return f" {token} "

    return pattern.sub(repl, text)


def _keep_or_number(m: re.Match[str]) -> str:
    return m.group(0) if m.group(0) in P.KEEP_NUMBERS else f" {PLACEHOLDERS['number']} "


def replace_identifiers(text: str) -> str:
    """Typed placeholders for URLs, e-mails, bank cards, phones, QQ/WeChat ids, money, long numbers."""
    text = P.URL.sub(f" {PLACEHOLDERS['url']} ", text)
    text = P.EMAIL.sub(f" {PLACEHOLDERS['email']} ", text)
    text = _sub_group(P.WECHAT, PLACEHOLDERS["wechat"], text)
    text = _sub_group(P.QQ, PLACEHOLDERS["qq"], text)
    text = P.BANK_CARD.sub(f" {PLACEHOLDERS['card']} ", text)
    text = P.PHONE.sub(f" {PLACEHOLDERS['phone']} ", text)
    text = P.MONEY.sub(f" {PLACEHOLDERS['money']} ", text)
    return P.LONG_NUMBER.sub(_keep_or_number, text)


#: The default pipeline, in order. Each step is a pure ``str -> str`` function.
PIPELINE: tuple[Callable[[str], str], ...] = (
    unicode_nfkc,
    remove_invisible,
    to_simplified,
    fold_case,
    unicode_nfkc,  # lower() can denormalise a few letters; cheap when nothing changes
    fold_whitespace,
    deobfuscate,
    replace_identifiers,
    fold_whitespace,
)


def normalize(text: str, *, placeholders: bool = True) -> str:
    """Normalise a message for the model. ``placeholders=False`` keeps identifiers as written."""
    for step in PIPELINE:
        if step is replace_identifiers and not placeholders:
            continue
        text = step(text)
    return text


#: Bump when a step changes what the model sees; stored in every model's manifest.
NORMALIZER_VERSION = 2


def normalize_pair(text: str) -> tuple[str, str]:
    """(text normalised without placeholders, text normalised for the model), in one pass.

    The first is what red flags are matched on (short codes and amounts stay visible);
    the second equals ``normalize(text)``.
    """
    plain = text
    for step in PIPELINE:
        if step is replace_identifiers:
            plain_done = plain
            text = step(plain)
            plain = text
            continue
        plain = step(plain)
    return plain_done, plain


def resource_fingerprints() -> dict[str, str]:
    """sha256 of every data file that changes what the model sees for a given text."""
    import hashlib

    out = {"normalizer_version": str(NORMALIZER_VERSION)}
    for name in ("deobfuscation.json", "userdict.txt", "redflags.json"):
        data = resources.files("fraudwarn").joinpath(f"data/{name}").read_bytes()
        out[name] = hashlib.sha256(data).hexdigest()
    return out
