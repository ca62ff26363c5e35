import pytest

import fraudwarn
from fraudwarn.errors import InputError
from tests.conftest import RESULT_FIELDS


def test_classify_returns_a_typed_result(mini_model):
    r = fraudwarn.classify("这里是公安局，你涉嫌洗钱，把钱转到安全账户，加QQ 12345678", model=mini_model)
    assert r.category in {c.name for c in fraudwarn.categories()}
    assert r.category_id == fraudwarn.get_category(r.category).id
    assert len(r.top) == 3 and r.top[0].category == r.category
    probs = [t.probability for t in r.top]
    assert probs == sorted(probs, reverse=True) and 0 < sum(probs) <= 1 + 1e-6  # top-3 of a distribution
    assert r.risk in {"高", "中", "低"}
    assert any(i.kind == "qq" for i in r.indicators)
    d = r.to_dict()
    assert set(d) >= RESULT_FIELDS


def test_is_fraud_implies_an_attempt_about_a_fraud_type(mini_model):
    texts = ["妈我到家了", "先交会员费888才能放款，加微信", "警方提示：凡是刷单都是诈骗，请拨打96110"]
    for r in fraudwarn.classify_many(texts, model=mini_model):
        if r.is_fraud:
            assert r.category_id != "normal" and r.role_id == "attempt"
        assert (r.role is None) == (r.category_id == "normal")


def test_evidence_spans_lie_inside_the_text(mini_model):
    text = "您好我是京东客服，您误开通了百万保障，每月扣费，需要共享屏幕取消"
    r = fraudwarn.classify(text, model=mini_model)
    assert r.evidence
    for e in r.evidence:
        assert e.weight > 0
        for s, t in e.spans:
            assert 0 <= s < t <= len(text)


@pytest.mark.parametrize("bad", ["", "   \n\t", 5, None])
def test_unusable_input_raises_input_error(mini_model, bad):
    with pytest.raises(InputError):
        fraudwarn.classify(bad, model=mini_model)


def test_input_over_one_megabyte_is_refused(mini_model):
    with pytest.raises(InputError, match="1 MB"):
        fraudwarn.classify("诈" * 400_000, model=mini_model)
