import json

from hypothesis import given, settings
from hypothesis import strategies as st

import fraudwarn
from fraudwarn.model.explain import term_spans
from tests.conftest import invoke


def test_term_spans_ignore_width_case_spacing_and_script():
    text = "請加 薇信，刷 单兼職，ＱＱ號"
    assert term_spans(text, "刷单") == ((6, 9),)
    assert term_spans(text, "兼职") == ((9, 11),)
    assert term_spans(text, "qq") == ((12, 14),)


def test_placeholder_terms_point_at_the_indicator():
    text = "点击 http://t.cn/A6xYz9Kq 领取"
    assert term_spans(text, "<url>") == ((3, 23),)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=80).filter(lambda t: t.strip()))
def test_explanation_spans_always_lie_inside_the_text(mini_model, text):
    r = fraudwarn.classify(text, model=mini_model)
    for e in r.evidence:
        assert e.weight > 0
        for s, t in e.spans:
            assert 0 <= s < t <= len(text)


def test_explain_cli_json(mini_model_dir):
    text = "这里是公安局，你涉嫌洗钱，请转入安全账户"
    p = invoke("explain", "--json", "--model", str(mini_model_dir), text)
    assert p.returncode == 0
    d = json.loads(p.stdout)
    assert d["evidence"] and all(len(sp) == 2 for e in d["evidence"] for sp in e["spans"])
    spans = [text[a:b] for e in d["evidence"] for a, b in e["spans"]]
    assert any("安全账户" in s or "洗钱" in s for s in spans)


def test_explain_cli_human(mini_model_dir):
    p = invoke("explain", "--model", str(mini_model_dir), "先交解冻费才能放款")
    assert p.returncode == 0
    assert "推动判定的词语" in p.stdout.decode()
