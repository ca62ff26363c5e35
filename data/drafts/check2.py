"""Check a corpus draft written to the v2 brief: python3 data/drafts/check2.py FILE.jsonl

Validates fields against data/scenarios.yaml and the category file, then prints counts per
label x role, per form, per sub, the length spread, duplicates (exact after normalising digits and
punctuation; near: character 5-gram Jaccard >= 0.7) and the most common openings.
"""

import collections
import json
import re
import sys
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CATS = json.loads((ROOT / "fraudwarn/data/categories.json").read_text("utf-8"))["categories"]
NAME2ID = {c["name"]: c["id"] for c in CATS}
SCEN = yaml.safe_load((ROOT / "data/scenarios.yaml").read_text("utf-8"))
SUBS = {cid: {s["id"] for s in subs} for cid, subs in SCEN.items()}
ROLES = {"诈骗信息", "案情描述", "防范提示"}
FORMS = {"sms", "chat_turn", "chat_log", "call_transcript", "formal_prose", "colloquial", "voice_to_text",
         "ocr", "police_record", "victim_account", "news_report", "notice", "post"}
REGISTERS = {"formal", "neutral", "casual", "sloppy", "slang", "dialect"}


def norm(t: str) -> str:
    t = unicodedata.normalize("NFKC", t).lower()
    t = re.sub(r"\d+", "0", t)
    return re.sub(r"[\W_]+", "", t)


def grams(t: str) -> set[str]:
    return {t[i:i + 5] for i in range(max(1, len(t) - 4))}


def main(path: str) -> None:
    recs, bad = [], 0
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            print(f"line {n}: not JSON"); bad += 1; continue
        errs = []
        cid = NAME2ID.get(r.get("label"))
        if cid is None:
            errs.append(f"label {r.get('label')!r}")
        elif cid == "normal" and r.get("role"):
            errs.append("正常 must have role ''")
        elif cid != "normal" and r.get("role") not in ROLES:
            errs.append(f"role {r.get('role')!r}")
        if cid and r.get("sub") not in SUBS.get(cid, ()) and not (cid != "normal" and r.get("role") != "诈骗信息" and r.get("sub") == "general"):
            errs.append(f"sub {r.get('sub')!r} not in scenarios.yaml[{cid}]")
        if r.get("form") not in FORMS:
            errs.append(f"form {r.get('form')!r}")
        if r.get("register") not in REGISTERS:
            errs.append(f"register {r.get('register')!r}")
        if not isinstance(r.get("text"), str) or not r["text"].strip():
            errs.append("empty text")
        if errs:
            print(f"line {n}: " + "; ".join(errs)); bad += 1; continue
        recs.append(r)
    print(f"{len(recs)} valid, {bad} invalid")
    print("label x role:", dict(collections.Counter((r["label"], r["role"]) for r in recs).most_common()))
    print("form:", dict(collections.Counter(r["form"] for r in recs).most_common()))
    print("register:", dict(collections.Counter(r["register"] for r in recs).most_common()))
    print("sub:", dict(collections.Counter(r["sub"] for r in recs).most_common()))
    lens = sorted(len(r["text"]) for r in recs) or [0]
    q = lambda p: lens[min(len(lens) - 1, int(p * len(lens)))]  # noqa: E731
    print(f"length min {lens[0]} p10 {q(.1)} median {q(.5)} p90 {q(.9)} max {lens[-1]}")
    seen: dict[str, int] = {}
    for i, r in enumerate(recs):
        k = norm(r["text"])
        if k in seen:
            print(f"EXACT DUP: #{seen[k]+1} / #{i+1}: {r['text'][:40]}")
        seen.setdefault(k, i)
    gs = [grams(norm(r["text"])) for r in recs]
    index: dict[str, list[int]] = collections.defaultdict(list)
    near = 0
    for i, g in enumerate(gs):
        cand = collections.Counter(j for x in g for j in index[x])
        for j, c in cand.items():
            if c / (len(g) + len(gs[j]) - c) >= 0.7:
                near += 1
                if near <= 20:
                    print(f"NEAR DUP: #{j+1} / #{i+1}: {recs[i]['text'][:40]}")
                break
        for x in g:
            index[x].append(i)
    print(f"near-duplicates: {near}")
    openings = collections.Counter(norm(r["text"])[:4] for r in recs)
    print("top openings:", openings.most_common(12))


if __name__ == "__main__":
    main(sys.argv[1])
