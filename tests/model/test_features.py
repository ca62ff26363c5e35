from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fraudwarn
from fraudwarn.model.classifier import prepare
from fraudwarn.model.features import FeatureSpace, word_analyzer
from fraudwarn.text.normalize import normalize
from fraudwarn.training.fit import fit_feature_space


@pytest.fixture(scope="module")
def fitted(mini_records):
    from sklearn.feature_extraction.text import TfidfVectorizer

    norm = [normalize(r.text) for r in mini_records]
    space = fit_feature_space(norm)
    words = TfidfVectorizer(analyzer=word_analyzer, min_df=2, sublinear_tf=True).fit(norm)
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True).fit(norm)
    return space, words, chars


def _sklearn_rows(words, chars, space, texts):
    # scikit-learn's own transform, re-ordered into the feature space's columns
    a = words.transform(texts).tocsr().toarray()
    b = chars.transform(texts).tocsr().toarray()
    w = np.zeros((len(texts), len(space.word_terms)))
    c = np.zeros((len(texts), len(space.char_terms)))
    for t, j in words.vocabulary_.items():
        w[:, space.word_vocab[t]] = a[:, j]
    for t, j in chars.vocabulary_.items():
        c[:, space.char_vocab[t]] = b[:, j]
    return np.hstack([w, c])


def test_tfidf_blocks_equal_scikit_learn(fitted, mini_records):
    space, words, chars = fitted
    texts = [*(normalize(r.text) for r in mini_records), "", "完全没见过的字词组合", "刷单 <url> 刷单刷单"]
    ours = space.transform(texts, [[] for _ in texts]).tocsr().toarray()[:, : space.flag_offset]
    assert np.allclose(ours, _sklearn_rows(words, chars, space, texts), atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_tfidf_blocks_equal_scikit_learn_on_arbitrary_text(fitted, text):
    space, words, chars = fitted
    t = normalize(text)
    ours = space.transform([t], [[]]).tocsr().toarray()[:, : space.flag_offset]
    assert np.allclose(ours, _sklearn_rows(words, chars, space, [t]), atol=1e-6)


def test_flag_columns_are_set_for_matched_flags(fitted):
    space = fitted[0]
    p = prepare(["请把验证码告诉我，我帮你退款"])
    X = space.transform(p.norm, [[h.flag.id for h in f] for f in p.flags]).tocsr().toarray()
    on = {space.feature_name(j)[1] for j in np.nonzero(X[0])[0] if j >= space.flag_offset}
    assert "share_code" in on


def test_feature_space_round_trips_through_plain_arrays(fitted):
    space = fitted[0]
    back = FeatureSpace.from_arrays(space.to_arrays())
    texts = ["先交保证金才能放款", "妈我到家了"]
    flags = [["fee_before_money"], []]
    assert np.array_equal(space.transform(texts, flags).tocsr().toarray(), back.transform(texts, flags).tocsr().toarray())
    assert all(a.dtype != object for a in space.to_arrays().values())


def test_word_analyzer_gives_unigrams_and_bigrams_without_punctuation():
    grams = word_analyzer(normalize("先交保证金，才能放款"))
    assert "保证金" in grams and "放款" in grams
    assert not any(g in {",", "，"} for g in grams)
    assert any(" " in g for g in grams)  # bigrams


def test_segmenter_agrees_with_jieba_on_the_corpus(corpus_texts):
    """rjieba (the scoring segmenter) cuts the corpus's text blocks as jieba does, HMM off."""
    import jieba

    from fraudwarn.text.tokenize import _BLOCK, _tokenizer

    ref = jieba.Tokenizer()
    for line in (Path(fraudwarn.__file__).parent / "data" / "userdict.txt").read_text("utf-8").splitlines():
        parts = line.split()
        if parts:
            ref.add_word(parts[0], int(parts[1]) if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None)
    blocks = [b for t in corpus_texts[::5] for b in _BLOCK.findall(normalize(t))]
    same = sum(tuple(ref.lcut(b, HMM=False)) == tuple(_tokenizer().cut(b, False)) for b in blocks)
    assert same / len(blocks) >= 0.999


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("刷单兼职日结先垫付后返佣金，。！ ab12._-#&%您好京东客服退款\n😊")),
        max_size=60,
    )
)
def test_block_wise_tokenisation_equals_one_cut(text):
    from fraudwarn.text.tokenize import _tokenizer, tokenize

    expected = [w for w in _tokenizer().cut(text, False) if not w.isspace()]
    assert tokenize(text) == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6), st.data())
def test_sparse_rows_agree_with_scipy(fitted, texts, data):
    space = fitted[0]
    norm = [normalize(t) for t in texts]
    rows = space.transform(norm, [[] for _ in norm])
    csr = rows.tocsr()
    w = np.random.default_rng(0).normal(size=(space.n_features, 3))
    assert np.allclose(rows @ w, csr @ w)
    pick = data.draw(st.lists(st.integers(0, len(norm) - 1), max_size=4))
    assert np.allclose(rows[np.array(pick, dtype=int)].tocsr().toarray(), csr[pick].toarray())
    lo, hi = space.char_offset, space.flag_offset
    assert np.array_equal(rows.count_between(lo, hi), np.diff(csr[:, lo:hi].tocsr().indptr))


def test_vectorised_batch_rows_equal_the_per_row_path(shipped_model, corpus_texts):
    """Batches take the numpy character block; it must give exactly the per-row features."""
    import random

    import numpy as np

    from fraudwarn.model.classifier import prepare

    texts = [*random.Random(5).sample(corpus_texts, 3000), "", "a", "😀😀x", "𠀀𠀁𠀂 abc", "\u3000\u3000", "ab" * 500]
    p = prepare(texts)
    flags = [[h.flag.id for h in f] for f in p.flags]
    fs = shipped_model.features
    assert fs.word_keys is not None  # else the batch path silently takes the dict and this tests nothing
    a, b = fs._transform_rows(p.norm, flags), fs._transform_batch(p.norm, flags)
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.abs(a.data - b.data).max() <= 1e-12


def test_word_keys_separate_strings_python_hash_confuses():
    """CPython hashes a string's internal bytes: "fk" and "武" (U+6B66) share one ``hash()``; our keys do not."""
    import numpy as np

    from fraudwarn.model.features import _codepoints, _poly_keys

    assert hash("fk") == hash("武")
    words = ["fk", "武", "gq", "照", "le", "敬", "武武", "fkfk", "😀", "ab", "ba", "a b", "ab "]
    keys = _poly_keys(_codepoints("".join(words)), np.array([len(w) for w in words]))
    assert len(set(keys.tolist())) == len(words)


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=30))
def test_word_keys_do_not_depend_on_neighbours(words):
    """A string's key is the same alone and inside any batch (the running sum is re-based per string)."""
    import numpy as np

    from fraudwarn.model.features import _codepoints, _poly_keys

    batch = _poly_keys(_codepoints("".join(words)), np.array([len(w) for w in words]))
    alone = [int(_poly_keys(_codepoints(w), np.array([len(w)]))[0]) for w in words]
    assert batch.tolist() == alone
    distinct = {w: k for w, k in zip(words, alone)}
    assert len(set(distinct.values())) == len(distinct)
