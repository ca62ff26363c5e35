import csv
import json
import os
import random
import signal
import subprocess
import time

import pytest

from fraudwarn.batch.run import BatchOptions, run_batch
from tests.conftest import FIXTURES, fraudwarn_cmd, run_cli


def _rows(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


@pytest.mark.parametrize(("name", "n"), [("nasty.txt", 11), ("nasty.csv", 8), ("nasty.jsonl", 8)])
def test_nasty_inputs_rows_in_equal_rows_out(tmp_path, mini_model_dir, name, n):
    out = tmp_path / "out.jsonl"
    p = run_cli(
        "batch", str(FIXTURES / name), "-o", str(out), "--model", str(mini_model_dir), "-q", "-j", "1"
    )
    assert p.returncode == 0, p.stderr.decode()
    assert "Traceback" not in p.stderr.decode()
    rows = _rows(out)
    assert len(rows) == n
    for r in rows:
        assert r["status"] in ("ok", "empty") or r["status"].startswith("error: ")
        assert (r["category"] is not None) == (r["status"] == "ok")


def test_txt_statuses_and_ids(tmp_path, mini_model_dir):
    out = tmp_path / "out.jsonl"
    summary = run_batch(str(FIXTURES / "nasty.txt"), str(out), model_dir=mini_model_dir, jobs=1)
    rows = _rows(out)
    assert [r["id"] for r in rows] == [str(i) for i in range(1, 12)]
    statuses = [r["status"].split(":")[0] for r in rows]
    assert statuses == ["ok", "ok", "error", "ok", "ok", "error", "ok", "ok", "empty", "empty", "ok"]
    assert summary["rows_in"] == summary["rows_out"] == 11
    assert summary["errors"] == 2 and summary["empty"] == 2 and summary["ok"] == 7
    assert not (tmp_path / "out.jsonl.part").exists()


def test_csv_output_is_excel_safe(tmp_path, mini_model_dir):
    out = tmp_path / "out.csv"
    run_batch(
        str(FIXTURES / "nasty.csv"),
        str(out),
        options=BatchOptions(output_format="csv", keep_text=True),
        id_column="id",
        model_dir=mini_model_dir,
        jobs=1,
    )
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for Excel/WPS
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert len(rows) == 8
    for r in rows:
        for v in r.values():
            assert not v.startswith(("=", "+", "-", "@")), v
    assert rows[3]["text"].startswith("'=HYPERLINK")
    assert rows[4]["id"] == "'-5"


def test_mask_pii_masks_everything_written(tmp_path, mini_model_dir):
    src = tmp_path / "in.txt"
    src.write_text(
        "请转账到6222021234567890123，联系13812345678，身份证110105199003071234\n", encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    run_batch(
        str(src),
        str(out),
        options=BatchOptions(keep_text=True, mask_pii=True),
        model_dir=mini_model_dir,
        jobs=1,
    )
    written = out.read_text("utf-8")
    for secret in ("6222021234567890123", "13812345678", "110105199003071234"):
        assert secret not in written
    assert "138****5678" in written


def test_parallel_and_serial_outputs_are_identical(tmp_path, mini_model_dir, mini_records):
    src = tmp_path / "in.txt"
    src.write_text("\n".join(r.text for r in mini_records * 20) + "\n", encoding="utf-8")
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    opts = BatchOptions(chunk_size=37)
    run_batch(str(src), str(a), options=opts, model_dir=mini_model_dir, jobs=1)
    run_batch(str(src), str(b), options=opts, model_dir=mini_model_dir, jobs=2)
    assert a.read_bytes() == b.read_bytes()
    assert len(_rows(a)) == len(mini_records) * 20


def test_summary_file(tmp_path, mini_model_dir):
    out, summary = tmp_path / "o.jsonl", tmp_path / "s.json"
    p = run_cli(
        "batch",
        str(FIXTURES / "nasty.jsonl"),
        "-o",
        str(out),
        "--summary",
        str(summary),
        "--model",
        str(mini_model_dir),
    )
    assert p.returncode == 0
    s = json.loads(summary.read_text("utf-8"))
    assert s["rows_in"] == 8 and s["errors"] == 5
    assert sum(s["by_category"].values()) == s["ok"]
    assert "输入 8 条" in p.stderr.decode()  # the human summary on stderr


def _big_input(path, records, n=2000):
    rng = random.Random(7)
    texts = [r.text for r in records]
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(f"{rng.choice(texts)} 编号{i}号\n")


@pytest.mark.parametrize(("sig", "seed"), [(signal.SIGKILL, 1), (signal.SIGINT, 2), (signal.SIGKILL, 3)])
def test_killed_run_resumes_to_an_identical_file(tmp_path, mini_model_dir, mini_records, sig, seed):
    src = tmp_path / "in.txt"
    _big_input(src, mini_records)
    ref = tmp_path / "ref.jsonl"
    base = ["batch", str(src), "--model", str(mini_model_dir), "--chunk-size", "25", "-j", "1", "-q"]
    assert run_cli(*base, "-o", str(ref)).returncode == 0

    out = tmp_path / "out.jsonl"
    state = tmp_path / "out.jsonl.part.json"
    proc = subprocess.Popen([*fraudwarn_cmd(), *base, "-o", str(out)], stderr=subprocess.PIPE)
    deadline = time.time() + 60
    target = random.Random(seed).randint(1, 24) * 25
    while time.time() < deadline and proc.poll() is None:
        if state.exists():
            try:
                if json.loads(state.read_text())["records_done"] >= target:
                    break
            except (json.JSONDecodeError, OSError):
                pass
        time.sleep(0.005)
    if proc.poll() is not None:
        pytest.fail("the run finished before it could be interrupted; enlarge the input")
    proc.send_signal(sig)
    proc.wait(timeout=30)
    err = proc.stderr.read().decode()
    assert proc.returncode != 0
    assert "Traceback" not in err
    assert not out.exists()  # never half-written under the final name
    assert (tmp_path / "out.jsonl.part").exists()

    p = run_cli(*base, "-o", str(out), "--resume")
    assert p.returncode == 0, p.stderr.decode()
    assert out.read_bytes() == ref.read_bytes()
    assert not state.exists()


def test_resume_refuses_a_different_input(tmp_path, mini_model_dir):
    src = tmp_path / "in.txt"
    src.write_text("一\n二\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    (tmp_path / "o.jsonl.part").write_bytes(b"")
    (tmp_path / "o.jsonl.part.json").write_text(
        json.dumps({"fingerprint": {"input": "other"}, "records_done": 1, "bytes": 0, "summary": {}})
    )
    p = run_cli("batch", str(src), "-o", str(out), "--resume", "--model", str(mini_model_dir))
    assert p.returncode == 1
    assert "无法续跑" in p.stderr.decode()


def test_stdin_input(tmp_path, mini_model_dir):
    out = tmp_path / "o.jsonl"
    p = run_cli("batch", "-", "-o", str(out), "--model", str(mini_model_dir), input="一\n\n二\n".encode())
    assert p.returncode == 0
    assert [r["status"] for r in _rows(out)] == ["ok", "empty", "ok"]


def test_interrupted_outputs_are_cleaned_by_a_fresh_run(tmp_path, mini_model_dir):
    src = tmp_path / "in.txt"
    src.write_text("一\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    (tmp_path / "o.jsonl.part").write_bytes(b"garbage")
    run_batch(str(src), str(out), model_dir=mini_model_dir, jobs=1)
    assert len(_rows(out)) == 1
    assert not os.path.exists(tmp_path / "o.jsonl.part")
