import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fraudwarn.text.anonymize import anonymize, round_amount
from fraudwarn.text.indicators import extract_indicators


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("事主张伟报警称被骗", "事主张某报警称被骗"),
        ("受害人：欧阳娜娜称", "受害人：欧阳某称"),
        ("嫌疑人李四向其索要", "嫌疑人李某向其索要"),
        ("市民王女士称", "市民王女士称"),  # already anonymous
        ("其在江苏省南京市江宁区东山街道金王府小区3栋家中", "其在江宁区家中"),
        ("住在城南区人民路88号的居民", "住在城南区的居民"),
        ("被骗38650元", "被骗三万余元"),
        ("转账¥2,000，后对方失联", "转账两千元，后对方失联"),
        ("损失5万元", "损失五万元"),
        ("2026年3月5日14时许，事主", "近日，事主"),
        ("先后转账3次", "先后转账三次"),
        ("拨打13812345678联系", "拨打×××联系"),
        ("添加微信abc_123后", "添加微信×××后"),
        ("其住在本市城南区幸福路12号幸福里小区6栋", "其住在本市城南区"),
        ("向尾号6617的银行卡转账", "向尾号×××的银行卡转账"),
    ],
)
def test_what_is_removed_and_what_stays(raw, expected):
    assert anonymize(raw).text == expected


@pytest.mark.parametrize(("yuan", "said"), [(38650, "三万余元"), (20000, "两万元"), (2000, "两千元"),
                                            (450, "数百元"), (12, "数十元"), (150000, "十五万元"),
                                            (123456789, "一亿余元")])
def test_amounts_are_rounded_and_said_in_words(yuan, said):
    assert round_amount(yuan) == said


_phone = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
_card = st.from_regex(r"62[0-9]{15,17}", fullmatch=True)
_id = st.from_regex(r"[1-6][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9])[0-9]{3}[0-9X]", fullmatch=True)
_filler = st.text(alphabet=st.sampled_from("事主称其在平台上被骗转账对方失联，。的了元微信电话号码"), max_size=12)


@given(st.lists(st.tuples(_filler, st.one_of(_phone, _card, _id)), min_size=1, max_size=5), _filler)
def test_no_phone_id_or_card_survives(parts, tail):
    text = "".join(a + b for a, b in parts) + tail
    out = anonymize(text).text
    assert not re.search(r"[0-9０-９]", out)
    assert not [i for i in extract_indicators(out) if i.kind in ("phone", "id_number", "bank_card", "qq", "wechat")]


@given(st.text(max_size=200))
def test_any_text_keeps_no_digits(text):
    out = anonymize(text).text
    assert not re.search(r"[0-9]", out)
