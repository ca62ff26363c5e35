"""One-off migration of the v1 corpus (12,406 records) to the v2 labelling guide.

Run once from the checkout: python data/audit/migrate_v1.py. It
* adds form / register / writer (v1 records: writer "v1", register "neutral", form from channel);
* maps each record's free-text ``sub`` to a sub-scenario id of data/scenarios.yaml
  (fraud types: the sub whose signals occur most in the text, ties broken by the old tag);
* relabels by LABELLING.md §1: 杀猪盘 / 冒充熟人或领导 诈骗信息 with no money, platform or request
  signal become 正常 (grooming_no_signal); every change is logged to data/audit/relabel_v1.jsonl.
"""

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from fraudwarn.text.normalize import normalize  # noqa: E402
from fraudwarn.text.redflags import matcher  # noqa: E402

SCEN = yaml.safe_load((ROOT / "data/scenarios.yaml").read_text("utf-8"))
MONEY = re.compile(
    r"投资|平台|赚|钱|充值|下注|彩票|提现|收益|理财|币|转账|转给|借|黄金|外汇|股|漏洞|内幕|项目|盈利|回报|带你|万|元|"
    r"红包|礼物|包裹|清关|资金|账户|卡|付|买|费|急用|汇|打款|垫|收款|二维码|链接|<url>|<money>|<card>|"
    r"仓|倍|单子|竞猜|税|计划|亏|赢|本金|刷|客服|数据|盘|涨|赔|跟上|进场|上车|额度|贷|扫码|转|随礼|反诈|险|每人|交|合作伙伴|"
    r"款|户|充|押|提款|k线|模型|注册|邀请码|操作|下个|下载|ying|lou|pin ?tai|到账|千|百|支持一下|窗口期|机会"
)
NORMAL_MAP = [
    ("验证码|登录提醒|实名认证", "verification_code"), ("入账|消费提醒|账户提醒|工资|银行|还款|信用卡账单", "bank_transaction"),
    ("话费|流量|套餐|宽带", "operator_bill"), ("贷款营销|信用卡营销|房贷", "genuine_loan_offer"),
    ("理财|券商|业绩说明会|基金", "genuine_investment"), ("取件|派送|发货|快递", "courier_notice"),
    ("电商|退款|会员|续费|大促|闲鱼", "ecommerce_notice"), ("客服|售后|工单|维修", "cs_dialogue"),
    ("4S|销售|保险|教育培训|房产", "sales_dialogue"), ("物业|户籍|公积金|社保|交通安全|政务|挂号", "government_service"),
    ("HR|招聘|兼职|副业", "genuine_job_ad"), ("工作|同事|会议", "work_chat"), ("借钱|家人|班费", "family_money_genuine"),
    ("相亲|网友|搭讪|交友", "grooming_no_signal"), ("游戏", "game_promo"), ("营销|广告|超市|餐饮|外卖|小店", "brand_marketing"),
    ("案|新闻|警情|叙述", "non_fraud_narrative"),
]


def form_of(r):
    ch, t = r["channel"], r["text"]
    if ch == "sms":
        return "sms"
    if ch == "chat":
        return "chat_log" if "\n" in t else "chat_turn"
    if ch == "call":
        return "call_transcript"
    if ch == "post":
        return "post"
    if ch == "notice":
        return "notice" if r["role"] != "诈骗信息" else "formal_prose"
    if ch == "narrative":
        if t.startswith(("我", "本人")):
            return "victim_account"
        return "news_report" if re.match(r"^(近日|日前|\d{4}年|昨日|今年)", t) else "police_record"
    return "post"


def sub_of(cid, r, norm):
    if cid == "normal":
        tag = r.get("sub", "")
        short = len(r["text"]) <= 25
        for pat, sid in NORMAL_MAP:
            if re.search(pat, tag):
                return sid
        return "personal_short" if short else "personal_long"
    best, score = None, -1
    for s in SCEN[cid]:
        hits = sum(1 for sig in s.get("signals", []) if sig.lower() in norm)
        overlap = len(set(s["name"]) & set(r.get("sub", ""))) / 100
        if hits + overlap > score:
            best, score = s["id"], hits + overlap
    return best


def main():
    m = matcher()
    changes, out_by_file = [], {}
    stats = Counter()
    for path in sorted((ROOT / "data/corpus").glob("*.jsonl")):
        rows = []
        for line in open(path, encoding="utf-8"):
            r = json.loads(line)
            if "writer" in r:  # already migrated
                rows.append(r)
                continue
            cid = path.stem
            norm = normalize(r["text"], placeholders=False)
            r["form"] = form_of(r)
            r["register"] = "neutral"
            r["writer"] = "v1"
            if r["role"] == "诈骗信息" and cid in ("pig_butchering", "impersonate_acquaintance"):
                if not MONEY.search(normalize(r["text"])) and not any(h.flag.kind == "red" for h in m.match(norm)):
                    changes.append({"id": r["id"], "text": r["text"], "from": [r["label"], r["role"]],
                                    "to": ["正常", ""], "reason": "no fraud signal by itself (LABELLING.md §1)"})
                    r.update(label="正常", role="", sub="grooming_no_signal", hard_negative=True)
                    stats["relabelled " + cid] += 1
                    out_by_file.setdefault("normal", []).append(r)
                    continue
            r["sub"] = sub_of(cid, r, norm)
            rows.append(r)
        out_by_file.setdefault(path.stem, []).extend(rows)
    for stem, rows in out_by_file.items():
        with open(ROOT / "data/corpus" / f"{stem}.jsonl", "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(ROOT / "data/audit/relabel_v1.jsonl", "w", encoding="utf-8") as f:
        for c in changes:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(dict(stats))


if __name__ == "__main__":
    main()
