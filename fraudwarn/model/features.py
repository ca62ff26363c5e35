"""Features at scoring time: word and character TF-IDF plus named flag columns.

The three blocks side by side: jieba words and word bigrams (the vocabulary of a scam:
安全账户, 垫付), character 1–3-grams (robust to typos, segmentation and unseen words),
and one column per red flag or legitimacy signal (``text/redflags``), so the model learns
how much each named tell weighs. The TF-IDF blocks compute exactly what the fitted
scikit-learn vectorisers compute (sublinear tf x idf, each block l2-normalised) from plain
arrays, so scoring never imports scikit-learn.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from functools import cached_property, lru_cache
from math import log, sqrt
from typing import Any

import numpy as np

from fraudwarn.text.tokenize import tokenize

# A token is a feature if it has a letter, digit or Chinese character (not punctuation).
_CONTENTFUL = re.compile(r"[\w<]")
#: Value of a flag column when the flag is present (TF-IDF blocks have unit norm).
FLAG_VALUE = 1.0


@lru_cache(maxsize=1 << 12)
def _words(text: str) -> tuple[str, ...]:
    # Cached: batch dumps repeat bulk messages.
    return tuple(w for w in tokenize(text) if _CONTENTFUL.search(w))


def word_analyzer(text: str) -> list[str]:
    """Word unigrams and bigrams of a normalised text."""
    words = _words(text)
    return [*words, *(f"{a} {b}" for a, b in itertools.pairwise(words))]


def _block(grams: list[str], vocab: dict[str, int], idf: np.ndarray, offset: int) -> tuple[list[int], list[float]]:
    """Sublinear tf x idf for one block's known grams, l2-normalised."""
    counts = Counter(j for j in map(vocab.get, grams) if j is not None)
    if not counts:
        return [], []
    cols = sorted(counts)
    vals = [(1.0 + log(counts[j])) * float(idf[j]) for j in cols]
    norm = sqrt(sum(v * v for v in vals))
    return [c + offset for c in cols], [v / norm for v in vals]


class FeatureSpace:
    """The fitted feature space as plain data: term lists, idf arrays, flag ids."""

    def __init__(
        self,
        word_terms: Sequence[str] | TermBlob,
        word_idf: np.ndarray,
        char_terms: Sequence[str] | TermBlob,
        char_idf: np.ndarray,
        char_range: tuple[int, int],
        flag_ids: Sequence[str],
    ) -> None:
        self._word = word_terms if isinstance(word_terms, TermBlob) else TermBlob.of(word_terms)
        self._char = char_terms if isinstance(char_terms, TermBlob) else TermBlob.of(char_terms)
        self.word_idf = np.asarray(word_idf, dtype=np.float64)
        self.char_idf = np.asarray(char_idf, dtype=np.float64)
        self.char_range = (int(char_range[0]), int(char_range[1]))
        self.flag_ids = list(flag_ids)
        self.flag_index = {f: i for i, f in enumerate(self.flag_ids)}
        self.char_offset = len(self._word)
        self.flag_offset = self.char_offset + len(self._char)
        self.n_features = self.flag_offset + len(self.flag_ids)
        self._sorted_char: tuple[np.ndarray, np.ndarray] | None = None
        #: Sorted lookup keys given from outside (:mod:`fraudwarn.model.keycache`), else built on first use.
        self._derived: dict[str, Any] | None = None

    def lookup_keys(self) -> dict[str, Any]:
        """The sorted keys batches look terms up with (built if needed): what the key cache stores."""
        return {"word": self.word_keys, "char": self._char_keys(), "max_word_len": self.max_word_len}

    def use_lookup_keys(self, derived: dict[str, Any]) -> None:
        """Take keys from :meth:`lookup_keys` of an identical feature space (a cache) instead of building them."""
        self._derived = derived
        self.__dict__["max_word_len"] = int(derived["max_word_len"])

    @cached_property
    def word_terms(self) -> list[str]:
        """The word vocabulary as Python strings: built only by the per-row path and explanations.

        Batch workers never build it (nor :attr:`char_terms`): 475k small strings are 40 MB, and
        their reference counts would unshare the pages of every forked worker.
        """
        return self._word.terms()

    @cached_property
    def char_terms(self) -> list[str]:
        return self._char.terms()

    @cached_property
    def word_vocab(self) -> dict[str, int]:
        """Built on first use by the per-row path (see :attr:`char_vocab`)."""
        return dict(zip(self.word_terms, range(len(self.word_terms))))

    @cached_property
    def word_keys(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The word vocabulary as sorted 64-bit keys (:func:`_poly_keys`) and their columns, for batches.

        Read straight off the packed vocabulary. None when two terms share a key, and batches then
        take the dict. Deterministic (unlike ``hash()``), so :mod:`fraudwarn.model.keycache` can
        keep them between runs.
        """
        if self._derived is not None:
            return self._derived["word"]
        cps, lens = self._word.codepoints()
        self.__dict__.setdefault("max_word_len", int(lens.max()) if len(lens) else 0)
        h = _poly_keys(cps, lens)
        order = np.argsort(h, kind="stable")
        hs = h[order]
        if len(hs) > 1 and bool((hs[1:] == hs[:-1]).any()):
            return None
        return hs, order.astype(np.int64)

    @cached_property
    def max_word_len(self) -> int:
        """The longest vocabulary term: a longer gram cannot be a term, and is never looked up."""
        if not len(self._word):
            return 0
        return int(self._word.codepoints()[1].max())

    @cached_property
    def char_vocab(self) -> dict[str, int]:
        """Built on first use by the per-row path: batch workers use the sorted keys and never build it,
        which keeps this dict's pages out of every forked worker's private memory."""
        return dict(zip(self.char_terms, range(len(self.char_terms))))

    def _char_grams(self, text: str) -> list[str]:
        lo, hi = self.char_range
        n = len(text)
        return [text[i : i + k] for k in range(lo, min(hi, n) + 1) for i in range(n - k + 1)]

    def row(self, norm_text: str, flags: Sequence[str]) -> tuple[list[int], list[float]]:
        """Column indices and values of one text (normalised) with its matched flag ids."""
        c1, v1 = _block(word_analyzer(norm_text), self.word_vocab, self.word_idf, 0)
        c2, v2 = _block(self._char_grams(norm_text), self.char_vocab, self.char_idf, self.char_offset)
        c3 = sorted({self.flag_offset + self.flag_index[f] for f in flags if f in self.flag_index})
        return c1 + c2 + c3, v1 + v2 + [FLAG_VALUE] * len(c3)

    def transform(self, norm_texts: Sequence[str], flags: Sequence[Sequence[str]]) -> SparseRows:
        """The texts' feature rows, one each.

        Every call takes the vectorised blocks (:meth:`_word_block`, :meth:`_char_block`), a single
        text too: their sorted keys are read off the packed vocabularies in about 80 ms, where the
        per-row path's dicts need 475k Python strings first (about 130 ms on a cold start). The
        per-row path stays as the reference the tests compare with; both give the same rows.
        """
        if len(norm_texts) >= VECTOR_MIN and self.char_range[1] <= 3:
            return self._transform_batch(norm_texts, flags)
        return self._transform_rows(norm_texts, flags)

    def _transform_rows(self, norm_texts: Sequence[str], flags: Sequence[Sequence[str]]) -> SparseRows:
        indptr, indices, data = [0], [], []
        for text, fl in zip(norm_texts, flags):
            c, v = self.row(text, fl)
            indices.extend(c)
            data.extend(v)
            indptr.append(len(indices))
        return SparseRows(
            np.asarray(indptr, dtype=np.int64),
            np.asarray(indices, dtype=np.int32),
            np.asarray(data, dtype=np.float64),
            self.n_features,
        )

    def _transform_batch(self, norm_texts: Sequence[str], flags: Sequence[Sequence[str]]) -> SparseRows:
        n = len(norm_texts)
        tids: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        wt, wc, wv = self._word_block(norm_texts)
        tids.append(wt)
        cols.append(wc)
        vals.append(wv)
        f_t: list[int] = []
        f_c: list[int] = []
        for t, fl in enumerate(flags):
            c3 = {self.flag_offset + self.flag_index[f] for f in fl if f in self.flag_index}
            f_t.extend([t] * len(c3))
            f_c.extend(c3)
        tids.append(np.asarray(f_t, dtype=np.int64))
        cols.append(np.asarray(f_c, dtype=np.int64))
        vals.append(np.full(len(f_c), FLAG_VALUE))
        ct, cc, cv = self._char_block(norm_texts)
        tids.append(ct)
        cols.append(cc + self.char_offset)
        vals.append(cv)
        tid, col, val = np.concatenate(tids), np.concatenate(cols), np.concatenate(vals)
        order = np.lexsort((col, tid))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(tid, minlength=n))]).astype(np.int64)
        return SparseRows(indptr, col[order].astype(np.int32), val[order], self.n_features)

    def _word_block(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sublinear tf x idf of word unigrams and bigrams for many texts: (text, column, value)."""
        table = self.word_keys
        if table is None:  # a key collision in the vocabulary: the exact per-text path
            t_, c_, v_ = [], [], []
            for t, text in enumerate(texts):
                c1, v1 = _block(word_analyzer(text), self.word_vocab, self.word_idf, 0)
                t_.extend([t] * len(c1))
                c_.extend(c1)
                v_.extend(v1)
            return np.asarray(t_, dtype=np.int64), np.asarray(c_, dtype=np.int64), np.asarray(v_, dtype=np.float64)
        hs, columns = table
        grams = [word_analyzer(text) for text in texts]
        counts = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
        flat = list(itertools.chain.from_iterable(grams))
        glens = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
        keys = _poly_keys(_codepoints("".join(flat)), glens)
        tid = np.repeat(np.arange(len(texts)), counts)
        short = glens <= self.max_word_len  # longer grams are no term; this also bounds what a key must tell apart
        return _tfidf(tid[short], keys[short], hs, columns, self.word_idf, len(texts), len(self._word))

    def _char_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """The character vocabulary as sorted uint64 keys (see :func:`_gram_keys`) and their columns.

        Read straight off the packed vocabulary, without making a Python string per term.
        """
        if self._sorted_char is None and self._derived is not None:
            self._sorted_char = self._derived["char"]
        if self._sorted_char is None:
            cps, lens = self._char.codepoints()
            keys = _term_keys(cps, lens)
            order = np.argsort(keys, kind="stable")
            self._sorted_char = (keys[order], order.astype(np.int64))
        return self._sorted_char

    def _char_block(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sublinear tf x idf of character n-grams for many texts at once: (text, column, value).

        Each n-gram (n <= 3) is one uint64 of its code points, looked up by binary search in
        the sorted vocabulary; counting is one ``np.unique`` over (text, column) pairs.
        """
        keys_sorted, columns = self._char_keys()
        lens = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        cps = _codepoints("".join(texts))
        tid = np.repeat(np.arange(len(texts)), lens)
        lo, hi = self.char_range
        all_t, all_k = [], []
        for k in range(lo, hi + 1):
            keys, valid = _ngram_keys(cps, tid, lens, k)
            all_t.append(tid[valid])
            all_k.append(keys)
        return _tfidf(np.concatenate(all_t), np.concatenate(all_k), keys_sorted, columns, self.char_idf,
                      len(texts), len(self._char))

    def feature_name(self, j: int) -> tuple[str, str]:
        """(block, term) of column ``j``: block is ``word``, ``char`` or ``flag``."""
        if j < self.char_offset:
            return "word", self.word_terms[j]
        if j < self.flag_offset:
            return "char", self.char_terms[j - self.char_offset]
        return "flag", self.flag_ids[j - self.flag_offset]

    # -- plain-data form ------------------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "word_terms": self._word.blob,
            "word_idf": self.word_idf.astype(np.float32),
            "char_terms": self._char.blob,
            "char_idf": self.char_idf.astype(np.float32),
            "char_range": np.asarray(self.char_range, dtype=np.int64),
            "flag_ids": _pack(self.flag_ids),
        }

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> FeatureSpace:
        r = a["char_range"]
        return cls(
            TermBlob(np.asarray(a["word_terms"], dtype=np.uint8)),
            a["word_idf"],
            TermBlob(np.asarray(a["char_terms"], dtype=np.uint8)),
            a["char_idf"],
            (int(r[0]), int(r[1])),
            _unpack(a["flag_ids"]),
        )


class TermBlob:
    """A vocabulary packed as one UTF-8 blob joined by "\\n" (normalised text holds no newline).

    It loads in milliseconds where an object array would need pickle, and batches read keys
    off it with numpy; Python strings are made only when asked for (:meth:`terms`).
    """

    def __init__(self, blob: np.ndarray) -> None:
        self.blob = blob
        self._len = int(np.count_nonzero(blob == 10)) + 1 if len(blob) else 0

    @classmethod
    def of(cls, terms: Sequence[str]) -> TermBlob:
        return cls(_pack(terms))

    def __len__(self) -> int:
        return self._len

    def terms(self) -> list[str]:
        return _unpack(self.blob)

    def codepoints(self) -> tuple[np.ndarray, np.ndarray]:
        """All terms' code points + 1 (see :func:`_codepoints`), concatenated, and each term's length."""
        cps = _codepoints(self.blob.tobytes().decode("utf-8"))
        newline = cps == np.uint64(ord("\n") + 1)
        bounds = np.flatnonzero(newline)
        lens = np.diff(np.concatenate([[-1], bounds, [len(cps)]])) - 1 if self._len else np.zeros(0, np.int64)
        return cps[~newline], lens.astype(np.int64)


class SparseRows:
    """Sparse feature rows in CSR layout, with only what scoring needs.

    Scoring multiplies rows by dense weights and reads single rows; scipy.sparse would do it
    too but costs a quarter of a second to import on every cold start. Training converts
    with :meth:`tocsr`.
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_features: int) -> None:
        self.indptr, self.indices, self.data = indptr, indices, data
        self.shape = (len(indptr) - 1, n_features)

    def __matmul__(self, weights: np.ndarray) -> np.ndarray:
        """(n, d) @ (d, k) -> dense (n, k)."""
        n, k = self.shape[0], weights.shape[1]
        if n >= 64:  # batches: scipy's sparse product is several times faster; its import cost is paid once
            return np.asarray(self.tocsr() @ weights)
        out = np.zeros((n, k))
        if len(self.data):
            _segment_sum(out, weights[self.indices] * self.data[:, None], self.indptr)
        return out

    def __getitem__(self, idx: Any) -> SparseRows:
        if isinstance(idx, (int, np.integer)):
            idx = [int(idx)]
        rows = np.arange(self.shape[0])[idx]
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        take = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends)]) if len(rows) else np.zeros(0, int)
        indptr = np.concatenate([[0], np.cumsum(ends - starts)])
        return SparseRows(indptr, self.indices[take], self.data[take], self.shape[1])

    def count_between(self, lo: int, hi: int) -> np.ndarray:
        """Per row, how many stored columns fall in [lo, hi)."""
        inside = ((self.indices >= lo) & (self.indices < hi)).astype(np.int64)
        csum = np.concatenate([[0], np.cumsum(inside)])
        return np.asarray(csum[self.indptr[1:]] - csum[self.indptr[:-1]])

    def tocsr(self) -> Any:
        from scipy.sparse import csr_matrix

        return csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


#: From this many texts on, ``transform`` takes the vectorised blocks (all, since the vocabularies stay packed).
VECTOR_MIN = 1
_SHIFT = np.uint64(21)  # a code point + 1 fits in 21 bits (<= 0x110000)


def _tfidf(
    tid: np.ndarray, keys: np.ndarray, sorted_keys: np.ndarray, columns: np.ndarray, idf: np.ndarray,
    n_texts: int, n_terms: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Known keys looked up in the sorted vocabulary, counted per text, sublinear tf x idf, l2 per text."""
    if not len(sorted_keys) or not len(keys):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    pos = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    hit = sorted_keys[pos] == keys
    ncol = max(n_terms, 1)
    pair, counts = np.unique(tid[hit] * ncol + columns[pos[hit]], return_counts=True)
    t, c = pair // ncol, pair % ncol
    v = (1.0 + np.log(counts)) * idf[c]
    sq = np.bincount(t, weights=v * v, minlength=n_texts)
    return t, c, v / np.sqrt(sq[t])


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_BASE = 0x100000001B3  # odd, so invertible modulo 2**64
_BASE_INV = pow(_BASE, -1, 1 << 64)
#: Bump when :func:`_poly_keys` changes: cached keys of another scheme are not reused.
KEY_SCHEME = 1


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 .. base**(n-1) modulo 2**64."""
    out = np.full(n, np.uint64(base), dtype=np.uint64)
    if n:
        out[0] = np.uint64(1)
    with np.errstate(over="ignore"):
        return np.cumprod(out, dtype=np.uint64)


def _poly_keys(cps: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """A 64-bit key per string, from all strings' code points (+1, concatenated) and their lengths.

    A polynomial hash modulo 2**64 (sum of c_i * B**i over each string), read off one running sum
    of the whole array, then mixed with the length: O(total characters) in numpy, the same for the
    vocabulary and for a batch's grams. Deterministic, unlike ``hash()`` (whose seed changes with
    every process, and which CPython computes over a string's internal bytes, so "fk" and "武"
    share one). Only grams no longer than the longest term are looked up, which keeps the known
    long-string collisions of hashes modulo 2**64 out of reach.
    """
    n = len(cps)
    lens = np.asarray(lens, dtype=np.int64)
    if not len(lens):
        return np.zeros(0, dtype=np.int64)
    with np.errstate(over="ignore"):
        run = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(cps * _powers(_BASE, n), dtype=np.uint64, out=run[1:])
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
        raw = run[starts + lens] - run[starts]
        inv = _powers(_BASE_INV, n + 1)
        key = raw * inv[starts]
        return (key ^ (lens.astype(np.uint64) * _GOLDEN)).view(np.int64)


def _codepoints(s: str) -> np.ndarray:
    """Code points + 1 (so 0 can mean "no character") as uint64."""
    return np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64) + np.uint64(1)


def _ngram_keys(cps: np.ndarray, tid: np.ndarray, lens: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Keys of all k-grams inside each text, and the mask of start positions they come from."""
    n = len(cps)
    ends = np.cumsum(lens)[tid] if n else np.zeros(0, np.int64)
    valid = np.arange(n) + k <= ends
    starts = np.flatnonzero(valid)
    key = cps[starts].copy()
    for j in range(1, k):
        key = (key << _SHIFT) | cps[starts + j]
    return key, valid


def _term_keys(cps: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """The key of each whole term (one term per ``tid`` group): its code points packed in order."""
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    out = np.zeros(len(lens), dtype=np.uint64)
    for j in range(int(lens.max()) if len(lens) else 0):
        has = lens > j
        out[has] = (out[has] << _SHIFT) | cps[starts[has] + j]
    return out


def _segment_sum(out: np.ndarray, prod: np.ndarray, indptr: np.ndarray) -> None:
    nonempty = np.diff(indptr) > 0
    sums = np.add.reduceat(prod, indptr[:-1][nonempty], axis=0)
    out[nonempty] = sums


def _pack(terms: Sequence[str]) -> np.ndarray:
    # One UTF-8 blob joined by "\n" (normalised text holds no newline): loads in
    # milliseconds, where an object array would need pickle.
    return np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)


def _unpack(blob: np.ndarray) -> list[str]:
    s = blob.tobytes().decode("utf-8")
    return s.split("\n") if s else []
