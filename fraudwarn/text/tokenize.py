"""Word segmentation: a private jieba tokenizer with the project's domain dictionary.

jieba is wrapped so that (1) we never touch its global tokenizer, which other code in
the same process may configure; (2) its start-up log is silenced; (3) its dictionary
cache lives in a known place; (4) it is imported lazily, only when text is tokenised.
HMM is off: new-word discovery is slower and less repeatable, and the domain words
that matter are in ``data/userdict.txt``.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from functools import cache, lru_cache
from importlib import resources
from typing import Any

_lock = threading.Lock()
# Placeholders such as <url> are kept as one token; jieba would split the brackets off.
_PLACEHOLDER = re.compile(r"(<[a-z]+>)")
# jieba segments each run of these characters on its own (its ``re_han_default``) and
# yields every other character alone; cutting block by block gives identical tokens and
# lets repeated clauses (signatures, boilerplate, bulk messages) hit a cache.
_BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)")


@cache
def _tokenizer() -> Any:
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    cache_dir = os.environ.get("FRAUDWARN_CACHE_DIR", tempfile.gettempdir())
    tok.tmp_dir = cache_dir
    tok.cache_file = "fraudwarn.jieba.cache"
    with _lock:
        tok.initialize()
        userdict = resources.files("fraudwarn").joinpath("data/userdict.txt")
        with resources.as_file(userdict) as path:
            tok.load_userdict(str(path))
    return tok


@lru_cache(maxsize=1 << 16)
def _cut_block(block: str) -> tuple[str, ...]:
    return tuple(_tokenizer().lcut(block, HMM=False))


def tokenize(text: str) -> list[str]:
    """Segment normalised text into words; whitespace dropped, placeholders kept whole."""
    out: list[str] = []
    for piece in _PLACEHOLDER.split(text):
        if not piece:
            continue
        if piece[0] == "<" and _PLACEHOLDER.fullmatch(piece):
            out.append(piece)
            continue
        for part in _BLOCK.split(piece):
            if not part:
                continue
            if _BLOCK.fullmatch(part):
                out.extend(_cut_block(part))
            else:
                out.extend(ch for ch in part if not ch.isspace())
    return out
