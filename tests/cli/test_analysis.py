"""End to end on the installed command: a planted dump → batch → leads, trends and a notice."""

import csv
import datetime as dt
import json
import random
from pathlib import Path

import pytest

from tests.conftest import invoke

ROOT = Path(__file__).resolve().parents[2]
PLANTED = {"wechat": "fl_kefu_2026", "phone": "17012345678", "url": "task-fanli.top"}


@pytest.fixture(scope="module")
def planted_dump(tmp_path_factory, shipped_model):
    """3,000 normal messages and 300 fraud attempts; three contacts recur behind the attempts."""
    rng = random.Random(11)
    cross = [json.loads(x) for x in (ROOT / "data/eval/crosswriter_v2.jsonl").read_text("utf-8").splitlines()]
    attempts = [r["text"] for r in cross if r["role"] == "诈骗信息"]
    v = shipped_model.score(attempts)
    attempts = [t for t, f in zip(attempts, v.is_fraud) if f]  # contacts added to attempts the model flags
    normals = [r.text for r in _corpus_normals()]
    rows = []
    spellings = {
        "wechat": ["加微信 FL_KEFU_2026", "V信：fl_kefu_2026", "vx fl_kefu_2026"],
        "phone": ["电话+86 170-1234-5678", "联系17012345678", "call 86 17012345678"],
        "url": ["点击 http://m.task-fanli.top/a", "https://task-fanli.top/r/9", "详见 task-fanli.top/x"],
    }
    for i in range(300):
        kind = ("wechat", "phone", "url")[i % 3]
        week = "2026-11-23" if i < 100 else "2026-11-30"  # more attempts in the second week
        text = rng.choice(attempts) + " " + rng.choice(spellings[kind]) + "，官方客服95588，详见 www.jd.com"
        rows.append({"text": text, "sender": f"1{rng.randrange(10**10):010d}", "time": f"{week} 1{i % 10}:00"})
    for i in range(3000):
        rows.append({"text": normals[i % len(normals)], "sender": "95588" if i % 7 == 0 else f"138{i:08d}",
                     "time": (dt.date(2026, 11, 23) + dt.timedelta(days=i % 14)).isoformat() + " 09:00"})
    rng.shuffle(rows)
    d = tmp_path_factory.mktemp("planted")
    dump = d / "dump.csv"
    with open(dump, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["发送方", "发送时间", "短信内容"])
        w.writeheader()
        for r in rows:
            w.writerow({"发送方": r["sender"], "发送时间": r["time"], "短信内容": r["text"]})
    return dump


def _corpus_normals():
    from fraudwarn.training.corpus import load_corpus

    recs = [r for r in load_corpus() if r.label == "正常" and len(r.text) > 8]
    return random.Random(3).sample(recs, 3000)


def test_batch_leads_trends_and_notice(planted_dump, tmp_path):
    scored, summary = tmp_path / "scored.jsonl", tmp_path / "week.json"
    p = invoke("batch", str(planted_dump), "--text-column", "短信内容", "--sender-column", "发送方",
               "--time-column", "发送时间", "--keep-text", "-o", str(scored), "--summary", str(summary), "-q")
    assert p.returncode == 0, p.stderr.decode()
    first = json.loads(scored.read_text("utf-8").splitlines()[0])
    assert {"sender", "time"} <= first.keys()
    s = json.loads(summary.read_text("utf-8"))
    assert s["period"] == "week" and set(s["by_period"]) == {"2026-W48", "2026-W49"} and s["time_unparsed"] == 0

    leads_json = tmp_path / "leads.json"
    p = invoke("leads", str(scored), "-o", str(leads_json))
    assert p.returncode == 0, p.stderr.decode()
    leads = json.loads(leads_json.read_text("utf-8"))
    assert {(x["kind"], x["value"]) for x in leads[:3]} == set(PLANTED.items())
    # Some attempts fall below the fraud threshold once a number, "官方客服95588" and jd.com are appended
    # (legitimacy cues: with the round-3 model about 4 in 10 of the phone ones); the planted still lead.
    assert all(x["count"] >= 50 and x["senders"] == x["count"] for x in leads[:3])
    assert all(x["count"] < 10 for x in leads[3:] if x["kind"] != "app")  # apps: platforms named, e.g. 微信
    assert not {x["value"] for x in leads} & {"jd.com", "95588"}
    assert all(x["first_seen"] and x["last_seen"] for x in leads[:3])

    csv_out = tmp_path / "leads.csv"
    assert invoke("leads", str(scored), "-o", str(csv_out)).returncode == 0
    assert csv_out.read_text("utf-8").startswith("\ufeff类型,线索,消息数")
    p = invoke("leads", str(scored), "--format", "12321")
    lines = p.stdout.decode().splitlines()
    assert lines[0].startswith("17012345678*") and all("*" in x for x in lines)

    png = tmp_path / "trend.png"
    p = invoke("trends", str(summary), "--png", str(png), "--json")
    assert p.returncode == 0, p.stderr.decode()
    t = json.loads(p.stdout)
    assert (t["current"], t["previous"]) == ("2026-W49", "2026-W48")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rising = [x for x in t["types"] if x["current"] > x["previous"]]
    assert rising, t

    p = invoke("warn", "--from-summary", str(summary), "--date", "2026-12-01")
    assert p.returncode == 0, p.stderr.decode()
    assert "本周" in p.stdout.decode() and "较上周" in p.stdout.decode()


def test_leads_scores_a_raw_dump_first(planted_dump):
    p = invoke("leads", str(planted_dump), "--text-column", "短信内容", "--sender-column", "发送方", "--json",
               "--top", "3")
    assert p.returncode == 0, p.stderr.decode()
    assert {(x["kind"], x["value"]) for x in json.loads(p.stdout)} == set(PLANTED.items())
    assert "先逐条检测" in p.stderr.decode()


def test_trends_without_times_says_what_to_do(tmp_path):
    s = tmp_path / "s.json"
    s.write_text(json.dumps({"by_category_role": {}}), "utf-8")
    p = invoke("trends", str(s))
    assert p.returncode == 1 and "--time-column" in p.stderr.decode() and "Traceback" not in p.stderr.decode()


def test_leads_read_parquet_output_like_jsonl(planted_dump, tmp_path):
    """Batch's and Spark's Parquet output (a file, or a folder of part files) gives the same leads as JSONL."""
    import shutil

    jsonl, parquet = tmp_path / "s.jsonl", tmp_path / "s.parquet"
    for out in (jsonl, parquet):
        p = invoke("batch", str(planted_dump), "--text-column", "短信内容", "--sender-column", "发送方",
                   "-o", str(out), "-q")
        assert p.returncode == 0, p.stderr.decode()
    folder = tmp_path / "spark_out"
    folder.mkdir()
    shutil.copy(parquet, folder / "part-00000.parquet")
    (folder / "_SUCCESS").write_text("")
    results = []
    for scored in (jsonl, parquet, folder):
        p = invoke("leads", str(scored), "--json", "--top", "10")
        assert p.returncode == 0, p.stderr.decode()
        assert "先逐条检测" not in p.stderr.decode()  # read as scored output, not scored again
        results.append(json.loads(p.stdout))
    assert results[0] == results[1] == results[2]
    assert {(x["kind"], x["value"]) for x in results[0][:3]} == set(PLANTED.items())
