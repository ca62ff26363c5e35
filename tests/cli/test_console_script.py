"""The installed ``fraudwarn`` console script end to end, in a child process.

Most CLI tests call the command in-process through click's CliRunner (``tests.conftest.invoke``),
which is fast but shares this interpreter: its stdin/stdout are in-memory buffers, click is told
not to colour, and batch workers fork from pytest. These few representative runs go through
the real entry point instead (``[project.scripts]``, ``fraudwarn.cli:main``), with real pipes,
a real exit status and a fresh interpreter, so packaging, the exit codes a shell sees and the
two-process batch are tested as a user runs them. Keep this file small: a new behaviour gets an
in-process test; only what needs a real process belongs here (signals, resume after a kill and
orphaned workers live in tests/batch/test_run.py, spark-submit in tests/spark/test_cli.py).
"""

import json

import pytest

from tests.conftest import RESULT_FIELDS, run_cli


def test_classify_human_output_has_no_colour_on_a_pipe(mini_model_dir):
    p = run_cli("classify", "--model", str(mini_model_dir), "这里是公安局，你涉嫌洗钱，请转入安全账户")
    assert p.returncode == 0, p.stderr.decode()
    out = p.stdout.decode()
    for label in ("类型：", "性质：", "风险：", "前三：", "依据："):
        assert label in out
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_classify_json_from_arguments_and_stdin(mini_model_dir):
    p = run_cli("classify", "--json", "--model", str(mini_model_dir), "妈我到家了", "-",
                input="先交解冻费才能放款\n".encode("gbk"))
    assert p.returncode == 0, p.stderr.decode()
    rows = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert [r["text"] for r in rows] == ["妈我到家了", "先交解冻费才能放款"]
    for r in rows:
        assert set(r) >= RESULT_FIELDS and len(r["top"]) == 3


def test_batch_with_two_worker_processes_writes_every_row_and_a_summary(tmp_path, mini_model_dir, mini_records):
    src = tmp_path / "in.txt"
    src.write_text("\n".join(r.text for r in mini_records * 5) + "\n\n", encoding="utf-8")
    out, summary = tmp_path / "o.jsonl", tmp_path / "s.json"
    p = run_cli("batch", str(src), "-o", str(out), "--summary", str(summary), "-j", "2", "--chunk-size", "16",
                "--model", str(mini_model_dir))
    err = p.stderr.decode()
    assert p.returncode == 0, err
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    n = len(mini_records) * 5 + 1
    assert len(rows) == n and [r["id"] for r in rows] == [str(i) for i in range(1, n + 1)]
    assert rows[-1]["status"] == "empty"
    s = json.loads(summary.read_text("utf-8"))
    assert s["rows_in"] == n and s["ok"] == n - 1
    assert f"输入 {n} 条" in err and "Traceback" not in err  # the human summary on stderr


def test_warn_prints_a_notice(tmp_path):
    p = run_cli("warn", "刷单返利", "--channel", "sms", "--date", "2026-11-22")
    assert p.returncode == 0, p.stderr.decode()
    assert "刷单" in p.stdout.decode()


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["classify", "--bogus"], b"", 2, "错误：没有这个选项：--bogus"),
        (["classify"], b"\n \n", 1, "错误 FW101：没有读到任何消息"),
        (["classify", "--model", "/nonexistent/model", "你好"], b"", 3, "错误 FW201：找不到模型清单"),
    ],
)
def test_exit_codes_reach_the_shell(args, stdin, code, message):
    p = run_cli(*args, input=stdin)
    err = p.stderr.decode()
    assert p.returncode == code, err
    assert message in err and "Traceback" not in err


def test_too_many_error_rows_exit_4_from_the_shell(tmp_path, mini_model_dir):
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join("{not json\n" for _ in range(9)) + '{"text": "你好"}\n', "utf-8")
    p = run_cli("batch", str(inp), "-o", str(tmp_path / "o.jsonl"), "-q", "--model", str(mini_model_dir))
    err = p.stderr.decode()
    assert p.returncode == 4, err
    assert "错误 FW103：9 条记录无法处理" in err and "Traceback" not in err
