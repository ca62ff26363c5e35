"""Build the demo dump behind the leads / trends / 以案说法 examples in the README.

    python docs/demo/build_demo.py            # writes docs/demo/dump.csv and docs/demo/case.txt
    fraudwarn batch docs/demo/dump.csv --text-column 短信内容 --sender-column 主叫号码 \\
        --time-column 发送时间 --keep-text -o docs/demo/scored.jsonl --summary docs/demo/week.json -q
    fraudwarn leads docs/demo/scored.jsonl -o docs/demo/leads.csv
    fraudwarn trends docs/demo/week.json --png docs/demo/trend.png
    fraudwarn warn --from-summary docs/demo/week.json --date 2026-12-02 -o docs/demo/notice.txt
    fraudwarn warn --from-case docs/demo/case.txt --region 城南街道 --date 2026-12-02 -o docs/demo/case_notice.txt

Three weeks of an invented operator dump: the cross-writer evaluation texts (never trained on)
as the messages, a few contacts planted behind many fraud attempts (a 刷单 WeChat id and domain
that grow week by week, a fake-loan number), and legitimate bank and platform messages.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def main() -> None:
    rng = random.Random(2026)
    rows = [json.loads(x) for x in (ROOT / "data/eval/crosswriter_v2.jsonl").read_text("utf-8").splitlines()]
    by_label: dict[str, list[str]] = {}
    for r in rows:
        if r["role"] in ("诈骗信息", ""):
            by_label.setdefault(r["label"], []).append(r["text"].replace("\n", " "))
    start = dt.date(2026, 11, 9)
    # weekly volume per type: 刷单返利 rises, 冒充公检法 falls, others steady
    plan = {"刷单返利": (20, 28, 40), "冒充公检法": (30, 22, 15), "网络贷款": (18, 18, 20), "虚假购物": (12, 14, 12),
            "冒充电商物流客服": (15, 15, 16)}
    plants = {"刷单返利": ["加微信 FL_kefu2026 领任务", "进群请加V：fl_kefu2026", "任务平台 http://m.task-fanli.top/r/88"],
              "网络贷款": ["放款专员电话 170-1234-5678", "咨询热线+86 17012345678"]}
    out = []
    for week in range(3):
        for label, counts in plan.items():
            for _ in range(counts[week]):
                text = rng.choice(by_label[label])
                if label in plants and rng.random() < 0.7:
                    text += " " + rng.choice(plants[label])
                day = start + dt.timedelta(days=7 * week + rng.randrange(7))
                out.append((f"1{rng.randrange(10**10):010d}", f"{day} {rng.randrange(8, 22):02d}:{rng.randrange(60):02d}", text))
        for _ in range(400):
            day = start + dt.timedelta(days=7 * week + rng.randrange(7))
            out.append((rng.choice(["95588", "10086", "95533", f"138{rng.randrange(10**8):08d}"]),
                        f"{day} {rng.randrange(7, 23):02d}:{rng.randrange(60):02d}", rng.choice(by_label["正常"])))
    rng.shuffle(out)
    with open(HERE / "dump.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["主叫号码", "发送时间", "短信内容"])
        w.writerows(out)
    (HERE / "case.txt").write_text(
        "2026年11月20日15时许，事主陈晓梅（女，23岁）报警称：其住在本市城南区幸福路12号幸福里小区6栋，"
        "11月18日在二手平台看到有人转让某歌手演唱会门票，添加卖家微信chen_ticket888后，对方称票源紧张需先付全款，"
        "其通过微信转账1280元，对方又以“出票保证金”“实名认证费”为由让其向尾号6617的银行卡6217001234567896617"
        "转账3600元，之后对方将其拉黑，联系电话13512345678已关机，共计损失4880元。\n",
        encoding="utf-8",
    )
    print(f"{len(out)} rows -> {HERE / 'dump.csv'}")


if __name__ == "__main__":
    main()
