import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudwarn.features import CompiledFeatures, LinearHead, build_features, word_analyzer
from fraudwarn.normalize import normalize


@pytest.fixture(scope="module")
def fitted(mini_records):
    norm = [normalize(r.text) for r in mini_records]
    union = build_features()
    X = union.fit_transform(norm)
    return union, CompiledFeatures(union), X, norm


def test_compiled_features_equal_scikit_learn(fitted):
    union, compiled, _, norm = fitted
    texts = [*norm, "", "完全没见过的字词组合", "刷单 <url> 刷单刷单"]
    a = union.transform(texts).toarray()
    b = compiled.transform(texts).toarray()
    assert np.allclose(a, b, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=60))
def test_compiled_features_equal_scikit_learn_on_arbitrary_text(fitted, text):
    union, compiled, _, _ = fitted
    t = normalize(text)
    assert np.allclose(union.transform([t]).toarray(), compiled.transform([t]).toarray(), atol=1e-6)


def test_linear_head_matches_the_classifier(fitted, mini_records):
    from sklearn.linear_model import LogisticRegression

    _, compiled, X, _ = fitted
    y = [r.category_id for r in mini_records]
    clf = LogisticRegression(max_iter=500).fit(X, y)
    head = LinearHead(clf)
    assert np.allclose(
        clf.decision_function(X), head.decision_function(compiled.transform(fitted[3])), atol=1e-5
    )
    assert list(head.classes_) == list(clf.classes_)


def test_word_analyzer_gives_unigrams_and_bigrams_without_punctuation():
    grams = word_analyzer(normalize("先交保证金，才能放款"))
    assert "保证金" in grams and "放款" in grams
    assert not any(g in {",", "，"} for g in grams)
    assert any(" " in g for g in grams)  # bigrams


def test_loading_the_model_does_not_import_scikit_learn(mini_model_dir):
    import subprocess
    import sys

    code = (
        "import sys; from fraudwarn.model import load; m = load(sys.argv[1]);"
        "m.predict_proba(m.transform(['测试']));"
        "print('sklearn' in sys.modules)"
    )
    p = subprocess.run([sys.executable, "-c", code, str(mini_model_dir)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "False"


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("刷单兼职日结先垫付后返佣金，。！ ab12._-#&%您好京东客服退款\n😊")),
        max_size=60,
    )
)
def test_block_wise_tokenisation_equals_jieba(text):
    from fraudwarn.tokenize import _tokenizer, tokenize

    expected = [w for w in _tokenizer().lcut(text, HMM=False) if not w.isspace()]
    assert tokenize(text) == expected
