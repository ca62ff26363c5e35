import csv
import json
import os
import random
import signal
import subprocess
import time

import pytest

from fraudwarn.batch.run import BatchOptions, run_batch
from tests.conftest import FIXTURES, fraudwarn_cmd, invoke, run_cli


def _rows(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


@pytest.mark.parametrize(("name", "n"), [("nasty.txt", 11), ("nasty.csv", 8), ("nasty.jsonl", 8)])
def test_nasty_inputs_rows_in_equal_rows_out(tmp_path, mini_model_dir, name, n):
    out = tmp_path / "out.jsonl"
    p = invoke(
        "batch", str(FIXTURES / name), "-o", str(out), "--model", str(mini_model_dir), "-q", "-j", "1",
        "--max-errors", "100%",  # the fixtures are deliberately more than half broken
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
    import re

    for r in rows:
        for v in r.values():
            # formulas are neutralised; plain numbers (ids like -5, +86…) are kept as written
            assert not v.startswith(("=", "+", "-", "@")) or re.fullmatch(r"[+-]?[\d\s().-]+", v), v
    assert rows[3]["text"].startswith("'=HYPERLINK")
    assert rows[4]["id"] == "-5"


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
    p = invoke(
        "batch",
        str(FIXTURES / "nasty.jsonl"),
        "-o",
        str(out),
        "--summary",
        str(summary),
        "--max-errors",
        "100%",
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
    # every run a real process, as a user's would be: the killed one, and the reference and resume around it
    assert run_cli(*base, "-o", str(ref)).returncode == 0

    out = tmp_path / "out.jsonl"
    state = tmp_path / "out.jsonl.part.json"
    proc = subprocess.Popen([*fraudwarn_cmd(), *base, "-o", str(out)], stderr=subprocess.PIPE,
                            preexec_fn=_default_sigint)
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


def _default_sigint() -> None:
    """The child gets Python's Ctrl-C handler even when pytest itself runs with SIGINT ignored
    (a background job of a non-interactive shell), so the test does not depend on inheritance."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_orphaned_workers_exit_quietly_when_the_main_process_is_killed(tmp_path, mini_model_dir, mini_records):
    src = tmp_path / "in.txt"
    _big_input(src, mini_records)
    out = tmp_path / "out.jsonl"
    state = tmp_path / "out.jsonl.part.json"
    cmd = [*fraudwarn_cmd(), "batch", str(src), "--model", str(mini_model_dir), "--chunk-size", "25", "-j", "2",
           "-q", "-o", str(out)]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and not state.exists():
        time.sleep(0.005)
    if proc.poll() is not None:
        pytest.fail("the run finished before it could be killed; enlarge the input")
    proc.kill()
    # stderr reaches EOF only once every worker holding it has exited
    _, err = proc.communicate(timeout=30)
    assert "Traceback" not in err.decode() and "BrokenPipe" not in err.decode()


def test_resume_refuses_a_different_input(tmp_path, mini_model_dir):
    src = tmp_path / "in.txt"
    src.write_text("一\n二\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    (tmp_path / "o.jsonl.part").write_bytes(b"")
    (tmp_path / "o.jsonl.part.json").write_text(
        json.dumps({"fingerprint": {"input": "other"}, "records_done": 1, "bytes": 0, "summary": {}})
    )
    p = invoke("batch", str(src), "-o", str(out), "--resume", "--model", str(mini_model_dir))
    assert p.returncode == 1
    assert "无法续跑" in p.stderr.decode()


def test_stdin_input(tmp_path, mini_model_dir):
    out = tmp_path / "o.jsonl"
    p = invoke("batch", "-", "-o", str(out), "--model", str(mini_model_dir), input="一\n\n二\n".encode())
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


def _killed_part(tmp_path, mini_model_dir, inp, out):
    """A run interrupted after its first chunk: leaves out.part and its state file."""
    from fraudwarn.batch.run import run_batch as rb

    calls = {"n": 0}

    def stop(rows, read, total):
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rb(str(inp), str(out), options=BatchOptions(chunk_size=5), jobs=1, model_dir=mini_model_dir, progress=stop)


def test_resume_refuses_a_same_size_edit_with_the_mtime_restored(tmp_path, mini_model_dir):
    from fraudwarn.errors import InputError

    inp = tmp_path / "in.txt"
    inp.write_text("".join(f"消息{i:03d}\n" for i in range(40)), "utf-8")
    out = tmp_path / "out.jsonl"
    _killed_part(tmp_path, mini_model_dir, inp, out)
    st = inp.stat()
    data = inp.read_bytes().replace("消息039".encode(), "消息938".encode())
    inp.write_bytes(data)
    os.utime(inp, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert inp.stat().st_size == st.st_size and inp.stat().st_mtime_ns == st.st_mtime_ns
    with pytest.raises(InputError):
        run_batch(str(inp), str(out), options=BatchOptions(chunk_size=5), jobs=1, resume=True,
                  model_dir=mini_model_dir)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["in.txt", "-o", "missing_dir/out.jsonl"], "输出目录"),
        (["in.txt", "-o", "."], "是一个目录"),
        (["in.txt", "-o", "in.txt"], "不能与输入文件相同"),
        (["book.xlsx", "-o", "out.jsonl"], "不支持 Excel"),
        (["in.txt", "-o", "out.jsonl", "--max-errors", "lots"], "--max-errors"),
        (["in.txt", "-o", "out.jsonl", "--summary", "nowhere/s.json"], "输出目录"),
    ],
)
def test_unusable_paths_fail_before_reading_with_a_chinese_message(tmp_path, mini_model_dir, args, message):
    (tmp_path / "in.txt").write_text("你好\n", "utf-8")
    (tmp_path / "book.xlsx").write_bytes(b"PK\x03\x04 not really")
    p = invoke("batch", *args, "--model", str(mini_model_dir), cwd=tmp_path)
    err = p.stderr.decode("utf-8")
    assert p.returncode in (1, 2) and message in err and "Traceback" not in err
    assert not (tmp_path / "out.jsonl").exists()


def test_too_many_error_rows_give_exit_code_4(tmp_path, mini_model_dir):
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join("{not json\n" for _ in range(9)) + '{"text": "你好"}\n', "utf-8")
    p = invoke("batch", str(inp), "-o", str(tmp_path / "o.jsonl"), "-q", "--model", str(mini_model_dir))
    assert p.returncode == 4, p.stderr.decode()
    assert len((tmp_path / "o.jsonl").read_text("utf-8").splitlines()) == 10  # still every row written
    p = invoke("batch", str(inp), "-o", str(tmp_path / "o2.jsonl"), "-q", "--max-errors", "100%",
               "--model", str(mini_model_dir))
    assert p.returncode == 0


def test_summary_names_the_encoding_and_its_confidence(tmp_path, mini_model_dir):
    inp = tmp_path / "gbk.txt"
    inp.write_bytes("先交解冻费才能放款\n".encode("gbk"))
    s = run_batch(str(inp), str(tmp_path / "o.jsonl"), jobs=1, model_dir=mini_model_dir)
    assert s["encoding"] == "gb18030" and s["encoding_confidence"] >= 0.8
    row = json.loads((tmp_path / "o.jsonl").read_text("utf-8"))
    assert row["status"] == "ok"


def test_tsv_output_is_tab_separated_and_ids_keep_their_sign(tmp_path, mini_model_dir):
    inp = tmp_path / "in.csv"
    inp.write_text("id,text\n+8613800000000,你好\n-1,=HYPERLINK(\"x\")\n", "utf-8")
    out = tmp_path / "o.tsv"
    p = invoke("batch", str(inp), "-o", str(out), "--id-column", "id", "--keep-text", "-q",
               "--model", str(mini_model_dir))
    assert p.returncode == 0, p.stderr.decode()
    rows = list(csv.reader(out.read_text("utf-8-sig").splitlines(), delimiter="\t"))
    assert rows[0][0] == "id" and len(rows) == 3
    assert rows[1][0] == "+8613800000000" and rows[2][0] == "-1"
    assert rows[2][-1].startswith("'=")  # a formula in the text is still neutralised


def test_sender_and_time_columns_are_carried_into_csv_output(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("号码,时间,内容\r\n10690001,2026-11-30 08:00,您的快递已到驿站\r\n138,坏时间,在吗\r\n", "utf-8")
    out, summary = tmp_path / "out.csv", tmp_path / "s.json"
    p = invoke("batch", str(src), "--sender-column", "号码", "--time-column", "时间", "--period", "day",
               "-o", str(out), "--summary", str(summary), "-q")
    assert p.returncode == 0, p.stderr.decode()
    rows = list(csv.reader(out.read_text("utf-8-sig").splitlines()))
    assert rows[0][:3] == ["id", "sender", "time"] and rows[1][1:3] == ["10690001", "2026-11-30 08:00"]
    s = json.loads(summary.read_text("utf-8"))
    assert s["period"] == "day" and list(s["by_period"]) == ["2026-11-30"] and s["time_unparsed"] == 1


def test_time_column_on_plain_text_is_refused(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("在吗\n", "utf-8")
    p = invoke("batch", str(src), "--time-column", "时间", "-o", str(tmp_path / "o.jsonl"))
    assert p.returncode == 1 and "没有列" in p.stderr.decode()
    p = invoke("batch", str(src), "--period", "day", "-o", str(tmp_path / "o.jsonl"))
    assert p.returncode == 2


def test_a_full_disk_is_said_in_chinese_not_as_an_internal_error(tmp_path, mini_model_dir):
    src = tmp_path / "in.txt"
    src.write_text("在吗\n", encoding="utf-8")
    p = invoke("batch", str(src), "-o", str(tmp_path / "o.jsonl"), "--summary", "/dev/full",
               "--model", str(mini_model_dir), "-q")
    err = p.stderr.decode()
    assert p.returncode == 1 and "磁盘空间不足" in err and "/dev/full" in err
    assert "内部错误" not in err and "Traceback" not in err
