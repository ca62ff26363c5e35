import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudwarn.text.indicators import extract_indicators


def kinds(text):
    return [(i.kind, i.value) for i in extract_indicators(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("点击 http://t.cn/A6xYz9Kq 领取", [("url", "http://t.cn/A6xYz9Kq")]),
        ("登录m.xxdai-app.top/login查看", [("url", "m.xxdai-app.top/login")]),
        ("致电138-1234-5678咨询", [("phone", "13812345678")]),
        ("客服热线400-820-1234", [("phone", "4008201234")]),
        ("加QQ：１２３４５６７８", [("app", "QQ"), ("qq", "12345678")]),
        ("加薇信 lisa_8866", [("wechat", "lisa_8866")]),
        ("转到6222 0212 3456 7890 123", [("bank_card", "6222021234567890123")]),
        ("先交保证金2000元", [("money", "2000元")]),
        ("下载腾讯会议共享屏幕", [("app", "腾讯会议")]),
        ("今天天气不错", []),
    ],
)
def test_extraction_table(text, expected):
    assert kinds(text) == expected


def test_spans_point_into_the_original_text():
    text = "请加薇信 lisa_8866，或拨打１３８１２３４５６７８"
    for ind in extract_indicators(text):
        assert 0 <= ind.start < ind.end <= len(text)
    phone = next(i for i in extract_indicators(text) if i.kind == "phone")
    assert phone.value == "13812345678"  # full-width digits folded in the value


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_extraction_never_raises_and_spans_do_not_overlap(text):
    found = extract_indicators(text)
    last_end = 0
    for ind in found:
        assert 0 <= ind.start < ind.end <= len(text)
        assert ind.start >= last_end
        last_end = ind.end
