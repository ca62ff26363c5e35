"""Check a draft corpus file: python3 data/drafts/check.py data/drafts/FILE.jsonl

Prints counts per role x channel, length spread, invalid lines, exact duplicates and
near-duplicate pairs (character 5-gram Jaccard >= 0.8). Used by corpus writers while drafting.
"""

import collections
import json
import re
import sys
import unicodedata

ROLES = {"诈骗信息", "案情描述", "防范提示", ""}
CHANNELS = {"sms", "chat", "call", "narrative", "post", "notice"}
LABELS = {
    "网络贷款",
    "刷单返利",
    "杀猪盘",
    "冒充电商物流客服",
    "冒充熟人或领导",
    "冒充公检法",
    "虚假投资理财",
    "虚假购物",
    "注销校园贷",
    "网络游戏虚假交易",
    "正常",
}


def norm(t):
    t = unicodedata.normalize("NFKC", t).lower()
    return re.sub(r"\s+", "", t)


def grams(t, n=5):
    return {t[i : i + n] for i in range(max(1, len(t) - n + 1))}


def main(path):
    rows, bad = [], 0
    for i, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            assert set(r) >= {"text", "label", "role", "channel"}, "missing field"
            assert r["label"] in LABELS, f"label {r['label']!r}"
            assert r["role"] in ROLES, f"role {r['role']!r}"
            assert r["channel"] in CHANNELS, f"channel {r['channel']!r}"
            assert (r["label"] == "正常") == (r["role"] == ""), "role must be empty exactly for 正常"
            assert isinstance(r["text"], str) and r["text"].strip()
            rows.append(r)
        except Exception as e:
            bad += 1
            print(f"line {i}: INVALID {e}")
    print(f"{len(rows)} valid, {bad} invalid")
    c = collections.Counter((r["label"], r["role"], r["channel"]) for r in rows)
    for k, v in sorted(c.items()):
        print("  ", k, v)
    lens = sorted(len(r["text"]) for r in rows)
    if lens:
        q = lambda p: lens[int(p * (len(lens) - 1))]
        print(f"length min {lens[0]} p10 {q(0.1)} median {q(0.5)} p90 {q(0.9)} max {lens[-1]}")
    seen = {}
    for r in rows:
        k = norm(r["text"])
        if k in seen:
            print("EXACT DUP:", r["text"][:60])
        seen[k] = 1
    gs = [grams(norm(r["text"])) for r in rows]
    near = 0
    for i in range(len(gs)):
        for j in range(i + 1, len(gs)):
            a, b = gs[i], gs[j]
            if len(a) > 2 * len(b) or len(b) > 2 * len(a):
                continue
            if len(a & b) / len(a | b) >= 0.8:
                near += 1
                print("NEAR DUP:", rows[i]["text"][:40], "|", rows[j]["text"][:40])
    print(f"near-duplicate pairs: {near}")
    openers = collections.Counter(norm(r["text"])[:4] for r in rows)
    print("most common 4-char openings:", openers.most_common(8))


if __name__ == "__main__":
    main(sys.argv[1])
