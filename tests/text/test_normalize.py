import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudwarn.text.normalize import deobfuscate, fold_whitespace, normalize, remove_invisible, to_simplified


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width letters and digits
        ("刷\u200b单\u200d兼\ufeff职", "刷单兼职"),  # zero-width characters
        ("您的帳戶異常", "您的账户异常"),  # traditional -> simplified
        ("加 薇 信", "加微信"),  # spacing and a look-alike
        ("日 赚 5 0 0 元", "日赚 <money>"),
        ("打开 http://t.cn/A6xYz9Kq 领取", "打开 <url> 领取"),
        ("打开jd-kefu.cc/r/8812领取", "打开 <url> 领取"),
        ("致电138-1234-5678", "致电 <phone>"),
        ("qq：12345678", "qq: <qq>"),
        ("加v信 lisa_8866", "加微信 <wechat>"),
        ("卡号6222 0212 3456 7890 123", "卡号 <card>"),
        ("转账￥3,000元", "转账 <money>"),
        ("验证码 482913", "验证码 <num>"),
        ("请拨打96110或110", "请拨打96110或110"),  # numbers that matter are kept
        ("第一行\n第二行\t结束", "第一行第二行结束"),
        ("Hello   World", "hello world"),
    ],
)
def test_normalize_table(raw, expected):
    assert normalize(raw) == expected


def test_placeholders_can_be_turned_off():
    assert normalize("致电13812345678", placeholders=False) == "致电13812345678"


def test_steps_are_small_pure_functions():
    assert remove_invisible("a\u200bb\nc") == "ab c"
    assert to_simplified("會議") == "会议"
    assert fold_whitespace("  a \t b  ") == "a b"
    assert deobfuscate("扣扣号") == "qq号"
    assert deobfuscate("<wechat>") == "<wechat>"  # placeholders are never rewritten


tricky = st.text(
    alphabet=st.sampled_from(
        list("刷单微信薇帐户兼职 0123456789１２.,，元万块千三十qvxw<>_-:/@亿\u200b\t\n😊*·贷款")
    ),
    max_size=50,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), tricky))
def test_normalize_never_raises_and_is_idempotent(text):
    once = normalize(text)
    assert isinstance(once, str)
    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_normalized_text_has_no_invisible_characters_or_edge_spaces(text):
    out = normalize(text)
    assert "\u200b" not in out and "\n" not in out
    assert out == out.strip()
