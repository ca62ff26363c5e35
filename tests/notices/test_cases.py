"""以案说法: anonymised, typed, and read by fraudwarn itself as a warning of the case's type."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from fraudwarn.categories import get_category
from fraudwarn.errors import InputError
from fraudwarn.notices.cases import STORY_MAX, case_notice
from fraudwarn.text.indicators import extract_indicators
from tests.conftest import invoke

DATE = dt.date(2026, 11, 22)
CROSS = Path(__file__).resolve().parents[2] / "data" / "eval" / "crosswriter_v2.jsonl"


def _cases():
    """Case narratives from the cross-writer set (never trained on), 8 per type."""
    rows = [json.loads(line) for line in CROSS.read_text("utf-8").splitlines() if line.strip()]
    return [(r["label"], r["text"]) for r in rows if r["role"] == "案情描述"]


@pytest.mark.parametrize("channel", ["notice", "wechat"])
def test_every_case_notice_reads_as_a_warning_of_its_type(shipped_model, channel):
    wrong = []
    for label, text in _cases():
        n = case_notice(text, category=label, channel=channel, date=DATE, region="城南街道")
        v = shipped_model.score([n.text])
        cat = shipped_model.category_ids[int(v.category_index[0])]
        role = shipped_model.role_ids[int(v.role_index[0])]
        if (cat, role) != (get_category(label).id, "warning") or v.is_fraud[0] or n.category != label:
            wrong.append((label, cat, role))
    assert not wrong, wrong


def test_a_case_notice_keeps_no_identifying_detail_and_no_digit():
    text = ("2026年3月5日14时许，事主张伟（男，32岁）报警称：其在江苏省南京市江宁区东山街道金王府小区3栋家中，"
            "在闲鱼看到低价演唱会门票，添加卖家微信abc_123，按对方要求向银行卡6222021234567890123转账38650元，"
            "又支付保证金¥2,000，联系电话13812345678，后被拉黑。")
    n = case_notice(text, category="虚假购物", date=DATE)
    body = n.text
    for gone in ("张伟", "32岁", "金王府", "东山街道", "abc_123", "6222021234567890123", "13812345678", "38650"):
        assert gone not in body
    assert "张某" in n.story and "江宁区" in n.story and "三万余元" in n.story
    allowed = {"110", "96110", str(DATE.year), str(DATE.month), str(DATE.day)}
    assert all(d in allowed for d in re.findall(r"\d+", body))
    assert not [i for i in extract_indicators(body) if i.kind in ("phone", "bank_card", "wechat", "url")]
    assert n.removed["name"] == 1 and n.removed["bank_card"] == 1


def test_long_cases_are_cut_at_a_sentence_end():
    text = "事主李某报警称被骗。" + "对方称可以帮其办理高额贷款，需要先交保证金。" * 40
    n = case_notice(text, category="网络贷款", date=DATE)
    assert len(n.story) <= STORY_MAX + 2 and n.story.endswith(("。", "……"))


def test_the_type_is_read_from_the_case_unless_given(shipped_model):
    text = ("事主王某报警称，其在某二手平台看到有人转让低价演唱会门票，私下添加对方微信后转账一千二百元，"
            "对方又以出票保证金为由让其再转账，之后将其拉黑。")
    assert case_notice(text, model=shipped_model, date=DATE).category == "虚假购物"


@pytest.mark.parametrize(
    ("text", "kwargs", "message"),
    [
        ("太短了", {}, "太短"),
        ("今天天气很好，我们全家一起去公园散步，晚上回家吃了火锅，很开心的一天。", {}, "未能从案情中识别"),
        ("事主李某报警称被骗，对方称可以帮其办理贷款，需要先交保证金。", {"channel": "sms"}, "只支持渠道"),
        ("事主李某报警称被骗，对方称可以帮其办理贷款，需要先交保证金。", {"category": "正常"}, "不是诈骗类型"),
    ],
)
def test_refusals_say_why(shipped_model, text, kwargs, message):
    with pytest.raises(InputError, match=message):
        case_notice(text, model=shipped_model, **kwargs)


def test_cli_from_case(tmp_path):
    case = tmp_path / "case.txt"
    case.write_text("事主张伟报警称，其在闲鱼购买二手手机，按卖家要求私下转账3500元至银行卡6222021234567890123，"
                    "之后卖家失联。", "utf-8")
    p = invoke("warn", "--from-case", str(case), "--region", "城南街道", "--date", "2026-11-22")
    assert p.returncode == 0, p.stderr
    out = p.stdout.decode()
    assert "以案说法" in out and "张某" in out and "6222021234567890123" not in out
    assert "已匿名化" in p.stderr.decode()
    p = invoke("warn", "--from-case", str(case), "--channel", "sms")
    assert p.returncode == 1 and "只支持渠道" in p.stderr.decode()
    p = invoke("warn", "刷单返利", "--type", "虚假购物")
    assert p.returncode == 2
