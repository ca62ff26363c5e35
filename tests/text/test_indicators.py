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


def test_an_id_number_with_a_valid_checksum_is_not_a_bank_card():
    from fraudwarn.text.indicators import valid_id_number

    found = extract_indicators("我的身份证号11010519491231002X，卡号6222021234567890123")
    kinds = {i.kind: i.value for i in found}
    assert kinds["id_number"] == "11010519491231002X"
    assert kinds["bank_card"] == "6222021234567890123"
    assert valid_id_number("11010519491231002X") and not valid_id_number("110105194912310021")


@pytest.mark.parametrize("tail", ["。", "，", ".", ")", "!", "；"])
def test_urls_lose_trailing_punctuation(tail):
    found = extract_indicators(f"点击 http://t.cn/A6xYz9Kq{tail}领取")
    assert [i.value for i in found if i.kind == "url"] == ["http://t.cn/A6xYz9Kq"]


def test_indicators_are_deduplicated_with_counts_and_capped():
    from fraudwarn.text.indicators import MAX_INDICATORS, unique_indicators

    text = "加微信 lisa_8866 " * 500 + " ".join(f"QQ {10000000 + k}" for k in range(80))
    uniq = unique_indicators(extract_indicators(text))
    assert len(uniq) == MAX_INDICATORS
    counts = {(i.kind, i.value): i.count for i in uniq}
    assert counts[("wechat", "lisa_8866")] == 500 and counts[("app", "微信")] == 500
    assert [i.count for i in uniq] == sorted((i.count for i in uniq), reverse=True)


def test_app_automaton_finds_what_the_app_regex_finds(corpus_texts):
    """The Aho-Corasick scan replaces a regex alternation of every app name; same spans on the corpus."""
    from fraudwarn.text.indicators import _HALF_WIDTH, _app_pattern, _find_apps

    extra = ["QQ号123", "online", "用qqq聊", "下载TeamViewerX", "装了zoom和ZOOM", "Line上", "aQQ", "QQb", "usdt转账"]
    for text in [*corpus_texts, *extra]:
        t = text.translate(_HALF_WIDTH)
        assert _find_apps(t) == [m.span() for m in _app_pattern().finditer(t)], text


_NAME_PIECES = st.sampled_from(["QQ", "qq", "Zoom", "Line", "line", "微信", "抖音", "支付宝", "a", "Z", " ", "号", "x", "ToDesk"])


@given(st.lists(_NAME_PIECES, max_size=12).map("".join))
def test_app_automaton_agrees_with_the_regex_on_arbitrary_concatenations(text):
    from fraudwarn.text.indicators import _app_pattern, _find_apps

    assert _find_apps(text) == [m.span() for m in _app_pattern().finditer(text)]
