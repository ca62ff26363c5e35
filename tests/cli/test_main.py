import json

import pytest
from click.testing import CliRunner

from fraudwarn.cli.main import main
from tests.conftest import RESULT_FIELDS, invoke


def test_classify_json_one_object_per_message(mini_model_dir):
    p = invoke("classify", "--json", "--model", str(mini_model_dir), "妈我到家了", "先交解冻费才能放款")
    assert p.returncode == 0, p.stderr.decode()
    rows = [json.loads(line) for line in p.stdout.decode().splitlines()]
    assert len(rows) == 2
    for r in rows:
        assert set(r) >= RESULT_FIELDS
        assert len(r["top"]) == 3


def test_classify_reads_stdin_lines(mini_model_dir):
    data = "妈我到家了\n\n先交解冻费才能放款\n".encode()
    p = invoke("classify", "--json", "--model", str(mini_model_dir), input=data)
    assert p.returncode == 0
    assert len(p.stdout.decode().splitlines()) == 2


def test_classify_reads_gbk_stdin(mini_model_dir):
    p = invoke(
        "classify", "--json", "--model", str(mini_model_dir), "-", input="先交解冻费才能放款\n".encode("gbk")
    )
    assert p.returncode == 0
    assert json.loads(p.stdout)["text"] == "先交解冻费才能放款"


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["classify", "   "], None, 1, "错误 FW101：输入为空"),
        (["classify"], b"\n \n", 1, "错误 FW101：没有读到任何消息"),
        (["classify", "--model", "/nonexistent/model", "你好"], None, 3, "错误 FW201：找不到模型清单"),
        (["classify", "--bogus"], None, 2, "错误：没有这个选项：--bogus"),
        (["warn", "刷单返利", "--channel", "fax"], None, 2, "参数 --channel 的值无效：“fax”不在可选值"),
        (["batch"], None, 2, "错误：缺少参数 INPUT"),
        (["classify", "--threshold"], None, 2, "选项 --threshold 需要一个值"),
        (["nosuch"], None, 2, "没有这个命令：nosuch"),
    ],
)
def test_classify_errors_have_codes_and_no_traceback(mini_model_dir, args, stdin, code, message):
    if "--model" not in args and args[0] == "classify" and "--bogus" not in args and "--threshold" not in args:
        args = [*args, "--model", str(mini_model_dir)]
    p = invoke(*args, input=stdin or b"")
    assert p.returncode == code
    err = p.stderr.decode()
    assert message in err
    assert "Traceback" not in err


def test_classify_refuses_over_one_megabyte(mini_model_dir):
    p = invoke("classify", "--model", str(mini_model_dir), input=("诈" * 400_000).encode())
    assert p.returncode == 1
    assert "1 MB" in p.stderr.decode() and "Traceback" not in p.stderr.decode()


def test_python_dash_m_works():
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "fraudwarn", "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("fraudwarn ")


def _commands(group, prefix=()):
    import click

    for name, cmd in group.commands.items():
        yield (*prefix, name), cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, (*prefix, name))


def test_every_command_has_help_text():
    runner = CliRunner()
    for path, cmd in _commands(main):
        assert cmd.help, f"{' '.join(path)} has no help text"
        res = runner.invoke(main, [*path, "--help"])
        assert res.exit_code == 0 and "Usage" in res.output


def test_help_documents_exit_codes():
    res = CliRunner().invoke(main, ["classify", "--help"])
    assert "退出码" in res.output


def test_classify_stdin_reads_like_batch(mini_model_dir):
    import gzip
    import json as _json

    # GBK, gzip, a U+2028 inside a line (not a line break), and "-" among arguments
    p = invoke("classify", "--json", "--model", str(mini_model_dir),
               input="先交解冻费才能放款\n到家没\n".encode("gbk"))
    assert p.returncode == 0 and [(_json.loads(x)["text"]) for x in p.stdout.decode().splitlines()] == [
        "先交解冻费才能放款", "到家没"]
    p = invoke("classify", "--json", "--model", str(mini_model_dir), input=gzip.compress("刷单日结\n".encode()))
    assert p.returncode == 0 and _json.loads(p.stdout)["text"] == "刷单日结"
    p = invoke("classify", "你好", "-", "--json", "--model", str(mini_model_dir),
               input="第一\u2028仍是第一\n".encode())
    texts = [_json.loads(x)["text"] for x in p.stdout.decode().split("\n") if x]  # not splitlines: U+2028
    assert texts == ["你好", "第一\u2028仍是第一"]


def test_an_empty_argument_is_named_by_position(mini_model_dir):
    p = invoke("classify", "你好", "", "--model", str(mini_model_dir))
    assert p.returncode == 1 and "第 2 条输入为空" in p.stderr.decode()


def test_invoke_fails_the_test_when_the_command_crashes(monkeypatch):
    """The in-process helper never lets a crash pass for an exit code."""
    import fraudwarn.notices.render

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(fraudwarn.notices.render, "render", boom)
    p = invoke("warn", "刷单返利")  # the user's view: a Chinese one-liner and exit 1
    assert p.returncode == 1 and "内部错误：RuntimeError: boom" in p.stderr.decode()
    with pytest.raises(pytest.fail.Exception, match="raised instead of exiting"):
        invoke("warn", "刷单返利", env={"FRAUDWARN_DEBUG": "1"})  # the exception escapes main


def test_a_command_shows_warnings_in_chinese_and_puts_the_display_back(monkeypatch):
    import warnings

    import fraudwarn.notices.render

    real = fraudwarn.notices.render.render

    def warning_render(*args, **kwargs):
        warnings.warn("测试用的警告", UserWarning, stacklevel=1)
        return real(*args, **kwargs)

    monkeypatch.setattr(fraudwarn.notices.render, "render", warning_render)
    before = warnings.showwarning
    res = CliRunner().invoke(main, ["warn", "刷单返利"])
    assert res.exit_code == 0, res.stderr
    assert "警告：测试用的警告" in res.stderr
    assert warnings.showwarning is before


def test_finish_run_writes_the_summary_and_spends_the_error_budget(tmp_path, capsys):
    """The shared end of batch and spark: --summary JSON, the human summary, FW103 and exit 4."""
    from fraudwarn.cli.common import finish_run

    summary = {"rows_in": 10, "rows_out": 10, "ok": 6, "empty": 0, "errors": 4, "fraud": 1,
               "elapsed_seconds": 0.5, "rows_per_second": 20.0, "by_category": {}, "by_role": {},
               "encoding": "utf-8", "encoding_confidence": 1.0, "encoding_reason": "BOM", "output": "o.jsonl"}
    path = tmp_path / "s.json"
    finish_run(summary, summary_path=path, quiet=False, max_errors="40%", hint="请检查文本列（--text-column）。")
    assert json.loads(path.read_text("utf-8")) == summary
    assert "输入 10 条" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        finish_run(summary, summary_path=None, quiet=True, max_errors="3", hint="请检查文本列（--text-column）。")
    assert e.value.code == 4
    err = capsys.readouterr().err
    assert err == ("错误 FW103：4 条记录无法处理，超过 --max-errors 允许的 3 条；"
                   "结果已写出，但请检查文本列（--text-column）。\n")
