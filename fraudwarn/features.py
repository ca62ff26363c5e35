"""Feature extraction: jieba words (and word bigrams) plus character n-grams, TF-IDF.

Words carry the vocabulary of a scam (安全账户, 垫付); character n-grams are robust to
segmentation errors, typos and unseen words. Both read the normalised text, which
the model computes once per message.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .tokenize import tokenize

# A token is a feature if it has a letter, digit or Chinese character (not punctuation).
_CONTENTFUL = re.compile(r"[\w<]")


@lru_cache(maxsize=1 << 16)
def _words(text: str) -> tuple[str, ...]:
    # Cached: training reuses each text across folds, batch dumps repeat bulk messages.
    return tuple(w for w in tokenize(text) if _CONTENTFUL.search(w))


def word_analyzer(text: str) -> list[str]:
    """Word unigrams and bigrams of a normalised text."""
    words = _words(text)
    return [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]


def build_features() -> FeatureUnion:
    """A fresh, unfitted feature extractor (deterministic: no randomness inside)."""
    words = TfidfVectorizer(
        analyzer=word_analyzer, min_df=2, sublinear_tf=True, dtype=np.float32, max_features=200_000
    )
    chars = TfidfVectorizer(
        analyzer="char",
        ngram_range=(1, 3),
        min_df=2,
        sublinear_tf=True,
        dtype=np.float32,
        max_features=300_000,
    )
    return FeatureUnion([("word", words), ("char", chars)])
