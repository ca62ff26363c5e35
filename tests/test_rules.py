"""Deployment rules: parsing with line numbers, precedence, and verdicts that stay consistent."""

import pytest

import fraudwarn
from fraudwarn.errors import InputError
from fraudwarn.rules import load_rules
from tests.conftest import invoke

RULES = """\
allow:
  senders: ["95588"]
  domains: ["icbc.com.cn"]
deny:
  domains: ["jd-kefu.cc"]
  numbers: ["17100001111"]
  accounts: ["6222020000000000"]
rules:
  - id: meeting-refund
    pattern: "退款.{0,10}(会议|共享屏幕)"
    regex: true
    action: fraud
    reason: 本地高发话术
  - id: school-fee
    pattern: 班费
    action: review
    reason: 请人工核实
"""


@pytest.fixture()
def rules(tmp_path):
    p = tmp_path / "rules.yaml"
    p.write_text(RULES, "utf-8")
    return load_rules(p)


@pytest.mark.parametrize(
    ("text", "sender", "rule_id", "fraud"),
    [
        ("请登录 http://jd-kefu.cc/r/1 办理退款", None, "deny:domain:jd-kefu.cc", True),
        ("有事打我 171-0000-1111", None, "deny:number:17100001111", True),
        ("转到 6222 0200 0000 0000 就行", None, "deny:account:6222020000000000", True),
        ("您好，退款请进入腾讯会议", None, "meeting-refund", True),
        ("您尾号1234的账户支出100元", "95588", "allow:sender:95588", False),
        ("详见 https://www.icbc.com.cn/notice", None, "allow:domain:icbc.com.cn", False),
    ],
)
def test_rules_decide_and_are_named(mini_model, rules, text, sender, rule_id, fraud):
    r = fraudwarn.classify(text, model=mini_model, rules=rules, sender=sender)
    assert r.rule is not None and r.rule.id == rule_id
    assert r.is_fraud is fraud
    if fraud:
        assert r.risk == "高" and r.category_id != "normal" and r.role_id == "attempt"
    else:
        assert r.category_id == "normal" and r.risk == "低" and r.role is None


def test_a_review_rule_only_asks_for_review(mini_model, rules):
    r = fraudwarn.classify("这学期班费请交给我", model=mini_model, rules=rules)
    assert r.rule.id == "school-fee" and r.review


def test_deny_wins_over_allow(mini_model, rules):
    r = fraudwarn.classify("官网 https://icbc.com.cn 或 http://jd-kefu.cc", model=mini_model, rules=rules, sender="95588")
    assert r.rule.action == "fraud"


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("rules:\n  - id: x\n    pattern: \"(\"\n    regex: true\n    action: fraud\n    reason: r\n", 2),
        ("rules:\n  - id: a\n    pattern: p\n    action: fraud\n    reason: r\n  - id: b\n    pattern: q\n    action: block\n    reason: r\n", 6),
        ("deny:\n  phones: [1]\n", 1),
        ("allow: [\n", 2),
        ("colour: red\n", 1),
    ],
)
def test_an_invalid_rules_file_names_the_line(tmp_path, content, line):
    p = tmp_path / "r.yaml"
    p.write_text(content, "utf-8")
    with pytest.raises(InputError, match=f"第 {line} 行"):
        load_rules(p)


def test_batch_applies_rules_with_a_sender_column(tmp_path, mini_model_dir):
    import json

    (tmp_path / "r.yaml").write_text(RULES, "utf-8")
    inp = tmp_path / "in.csv"
    inp.write_text("号码,内容\n95588,您尾号1234的账户支出100元\n10690000,您好，退款请进入腾讯会议\n", "utf-8")
    out = tmp_path / "o.jsonl"
    p = invoke("batch", str(inp), "-o", str(out), "--rules", str(tmp_path / "r.yaml"), "--sender-column", "号码",
               "-q", "--model", str(mini_model_dir))
    assert p.returncode == 0, p.stderr.decode()
    rows = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
    assert rows[0]["rule"]["id"] == "allow:sender:95588" and rows[0]["is_fraud"] is False
    assert rows[1]["rule"]["id"] == "meeting-refund" and rows[1]["is_fraud"] is True and rows[1]["risk"] == "高"
