"""Feature extraction: jieba words (and word bigrams) plus character n-grams, TF-IDF.

Words carry the vocabulary of a scam (安全账户, 垫付); character n-grams are robust to
segmentation errors, typos and unseen words. Both read the normalised text, which
the model computes once per message.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from functools import lru_cache
from math import log, sqrt
from typing import TYPE_CHECKING

import numpy as np

from .tokenize import tokenize

if TYPE_CHECKING:
    from sklearn.pipeline import FeatureUnion

# A token is a feature if it has a letter, digit or Chinese character (not punctuation).
_CONTENTFUL = re.compile(r"[\w<]")


@lru_cache(maxsize=1 << 14)
def _words(text: str) -> tuple[str, ...]:
    # Cached: training reuses each text across folds, batch dumps repeat bulk messages.
    return tuple(w for w in tokenize(text) if _CONTENTFUL.search(w))


def word_analyzer(text: str) -> list[str]:
    """Word unigrams and bigrams of a normalised text."""
    words = _words(text)
    return [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]


def build_features() -> FeatureUnion:
    """A fresh, unfitted feature extractor (deterministic: no randomness inside)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

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


class CompiledFeatures:
    """The fitted TF-IDF feature union, compiled for prediction without scikit-learn.

    Computes exactly what the fitted ``FeatureUnion`` computes (sublinear tf x idf,
    each block l2-normalised, blocks side by side) from plain dicts and arrays, so
    loading a model does not import scikit-learn (about two seconds of cold start) and
    transforming skips its per-document overhead. ``tests/test_features.py`` checks the
    equivalence on the corpus.
    """

    def __init__(self, union: FeatureUnion) -> None:
        (_, words), (_, chars) = union.transformer_list
        self.word_vocab: dict[str, int] = dict(words.vocabulary_)
        self.char_vocab: dict[str, int] = {k: v + len(self.word_vocab) for k, v in chars.vocabulary_.items()}
        self.word_idf: list[float] = words.idf_.astype(np.float32).tolist()
        self.char_idf: list[float] = chars.idf_.astype(np.float32).tolist()
        self.char_range: tuple[int, int] = chars.ngram_range
        self.n_features = len(self.word_vocab) + len(chars.vocabulary_)

    def _block(
        self, grams: list[str], vocab: dict[str, int], idf: list[float], offset: int
    ) -> tuple[list[int], list[float]]:
        """Sublinear tf x idf for one block's known grams, l2-normalised (pure Python: rows are short)."""
        counts = Counter(j for j in map(vocab.get, grams) if j is not None)
        if not counts:
            return [], []
        cols = sorted(counts)
        vals = [(1.0 + log(counts[j])) * idf[j - offset] for j in cols]
        norm = sqrt(sum(v * v for v in vals))
        return cols, [v / norm for v in vals]

    def _char_grams(self, text: str) -> list[str]:
        lo, hi = self.char_range
        n_chars = len(text)
        return [text[i : i + n] for n in range(lo, min(hi, n_chars) + 1) for i in range(n_chars - n + 1)]

    def transform(self, norm_texts: list[str] | tuple[str, ...]):  # type: ignore[no-untyped-def]
        from scipy.sparse import csr_matrix

        indptr, indices, data = [0], [], []
        n_words = len(self.word_vocab)
        for text in norm_texts:
            c1, v1 = self._block(word_analyzer(text), self.word_vocab, self.word_idf, 0)
            c2, v2 = self._block(self._char_grams(text), self.char_vocab, self.char_idf, n_words)
            indices.extend(c1)
            indices.extend(c2)
            data.extend(v1)
            data.extend(v2)
            indptr.append(len(indices))
        return csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int32), np.asarray(indptr)),
            shape=(len(indptr) - 1, self.n_features),
        )

    def get_feature_names_out(self) -> np.ndarray:
        names = np.empty(self.n_features, dtype=object)
        for k, j in self.word_vocab.items():
            names[j] = f"word__{k}"
        for k, j in self.char_vocab.items():
            names[j] = f"char__{k}"
        return names


class LinearHead:
    """A fitted linear classifier reduced to its coefficients: no scikit-learn at prediction."""

    def __init__(self, clf) -> None:  # type: ignore[no-untyped-def]
        self.classes_ = np.asarray([str(c) for c in clf.classes_], dtype=object)
        coef, intercept = clf.coef_, clf.intercept_
        if coef.shape[0] == 1:  # binary: sklearn keeps one row; expand to two symmetric rows
            coef = np.vstack([-coef / 2, coef / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        self.coef_ = np.ascontiguousarray(coef, dtype=np.float64)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self._coef_t = None

    def decision_function(self, X) -> np.ndarray:  # type: ignore[no-untyped-def]
        if getattr(self, "_coef_t", None) is None:
            self._coef_t = np.ascontiguousarray(self.coef_.T)
        return np.asarray(X @ self._coef_t) + self.intercept_

    def __getstate__(self) -> dict:  # type: ignore[type-arg]
        return {k: v for k, v in self.__dict__.items() if k != "_coef_t"}
