"""Leads from planted data: a few ids, numbers and domains behind hundreds of fraud rows."""

import csv
import io
import json
import random

import pytest

from fraudwarn.analysis.leads import (
    collect_leads,
    lead_value,
    leads_12321,
    leads_csv,
    read_scored,
    registered_domain,
)


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        ("phone", "+86 138-0013-8000", "13800138000"),
        ("phone", "0086 13800138000", "13800138000"),
        ("phone", "８６１３８００１３８０００", "13800138000"),
        ("phone", "95588", None),  # a bank's service number is not a lead
        ("phone", "96110", None),
        ("wechat", "Abc_Kefu 88", "abc_kefu88"),
        ("url", "https://M.Jd-Kefu.cc/r/8812?x=1", "jd-kefu.cc"),
        ("url", "http://a.b.example.co.uk/x", "example.co.uk"),
        ("url", "https://www.jd.com/item", None),  # known legitimate
        ("url", "http://wap.95516.com", None),
        ("url", "https://www.sh.gov.cn/a", None),  # under gov.cn
        ("url", "http://103.21.4.9:8080/pay", "103.21.4.9"),
        ("bank_card", "6222 0212 3456 7890 123", "6222021234567890123"),
        ("qq", "QQ 123 456 78", "12345678"),
    ],
)
def test_values_are_normalised_before_grouping(kind, raw, value):
    assert lead_value(kind, raw) == value


def test_registered_domain_of_an_idn_and_a_bare_word():
    assert registered_domain("http://例子.中国/a") is not None
    assert registered_domain("localhost") is None


def _row(i, *, fraud, indicators, category="刷单返利", sender=None, time=None):
    return {
        "id": str(i), "category": category if fraud else "正常", "is_fraud": fraud, "risk": "高" if fraud else "低",
        "role": "诈骗信息" if fraud else None, "indicators": indicators, "sender": sender, "time": time,
        "text": f"消息{i}",
    }


def test_planted_leads_rank_first_and_legit_never_appear():
    rng = random.Random(7)
    planted = [("wechat", "kefu_888"), ("phone", "17012345678"), ("url", "fanli-task.top")]
    rows = []
    for i in range(300):  # fraud rows: each names one planted lead, written several ways, plus noise
        kind, _ = planted[i % 3]
        spelled = {"wechat": rng.choice(["KEFU_888", "kefu_888", "Kefu_888"]),
                   "phone": rng.choice(["+86 170-1234-5678", "17012345678", "86 17012345678"]),
                   "url": rng.choice(["http://m.fanli-task.top/a", "https://fanli-task.top", "fanli-task.top/r/9"])}[kind]
        inds = [{"kind": kind, "value": spelled}, {"kind": "phone", "value": f"139{rng.randrange(10**8):08d}"},
                {"kind": "url", "value": "https://www.jd.com/x"}, {"kind": "phone", "value": "95588"}]
        rows.append(_row(i, fraud=True, indicators=inds, sender=f"1{rng.randrange(10**10)}",
                         time=f"2026-11-{1 + i % 28:02d} 10:00"))
    for i in range(300, 3300):  # normal rows mention the same legit things and some planted ones too
        inds = [{"kind": "url", "value": "https://www.icbc.com.cn"}, {"kind": "wechat", "value": "kefu_888"}]
        rows.append(_row(i, fraud=False, indicators=inds))
    rng.shuffle(rows)
    found = collect_leads(rows)
    top = [(x.kind, x.value) for x in found[:3]]
    assert sorted(top) == sorted(planted)
    assert all(x.count == 100 for x in found[:3])  # normal rows do not count
    assert found[3].count == 1
    values = {x.value for x in found}
    assert not values & {"jd.com", "95588", "icbc.com.cn"}
    first = found[0]
    assert first.first_seen == "2026-11-01 10:00:00" and first.last_seen == "2026-11-28 10:00:00"
    assert len(first.senders) > 90 and first.types == {"刷单返利": 100}
    assert len(first.examples) == 5


def test_one_message_counts_once_per_lead():
    row = _row(1, fraud=True, indicators=[{"kind": "wechat", "value": "ab_1"}, {"kind": "wechat", "value": "AB_1"}])
    assert collect_leads([row])[0].count == 1


def test_medium_risk_attempts_only_when_asked():
    row = _row(1, fraud=False, indicators=[{"kind": "qq", "value": "12345678"}])
    row.update(risk="中", role="诈骗信息", category="杀猪盘")
    assert collect_leads([row]) == []
    assert collect_leads([row], include_medium=True)[0].value == "12345678"


def test_csv_is_excel_safe_and_12321_has_one_line_per_phone():
    rows = [_row(1, fraud=True, indicators=[{"kind": "wechat", "value": "=cmd|calc"},
                                            {"kind": "bank_card", "value": "6222021234567890123"},
                                            {"kind": "phone", "value": "17012345678"}])]
    found = collect_leads(rows)
    text = leads_csv(found)
    assert text.startswith("\ufeff")
    cells = [c for r in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in r]
    assert "'=cmd|calc" in cells and "\t6222021234567890123" in cells
    assert leads_12321(found) == "17012345678*消息1\n"


def test_reads_batch_csv_and_jsonl(tmp_path):
    j = tmp_path / "s.jsonl"
    j.write_text(json.dumps(_row(1, fraud=True, indicators=[{"kind": "qq", "value": "5566778"}]),
                            ensure_ascii=False) + "\n", "utf-8")
    c = tmp_path / "s.csv"
    c.write_text("\ufeffid,category,is_fraud,risk,role,indicators,status\r\n"
                 "1,刷单返利,true,高,诈骗信息,qq:5566778; money:50元,ok\r\n", "utf-8")
    for p in (j, c):
        found = collect_leads(read_scored(p))
        assert [(x.kind, x.value) for x in found] == [("qq", "5566778")]


def test_mainstream_platforms_are_not_leads_but_remote_control_apps_are():
    assert lead_value("app", "微信") is None and lead_value("app", "支付宝") is None
    assert lead_value("app", "ToDesk") == "todesk" and lead_value("app", "币安") == "币安"
