"""``fraudwarn spark`` and spark-submit end to end; batch reads what Spark writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import fraudwarn.cli.spark as spark_cli
from fraudwarn.batch.writers import FIELDS
from tests.conftest import invoke, run_cli
from tests.spark.test_spark import SUMMARY_COUNTS


def _jsonl(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_fraudwarn_spark_writes_parquet_that_batch_reads_and_a_summary_warn_takes(tmp_path, parity_input,
                                                                                  batch_rows):
    expected, batch_summary = batch_rows
    out, summary = tmp_path / "scored.parquet", tmp_path / "week.json"
    # the spark command in its own process: in this one it would take over the tests' SparkSession
    # (getOrCreate), ignoring --master, and leave its own settings behind for the other Spark tests
    p = run_cli("spark", str(parity_input), str(out), "--id-column", "id", "--time-column", "ts", "--keep-text",
                "--master", "local[2]", "--batch-size", "500", "--summary", str(summary), "--max-errors", "100%")
    err = p.stderr.decode()
    assert p.returncode == 0, err
    assert "输入 2,000 条，输出 2,000 条" in err and "Traceback" not in err
    assert out.is_dir() and (out / "_SUCCESS").exists()

    s = json.loads(summary.read_text("utf-8"))
    assert set(batch_summary) <= set(s)  # the same shape as batch --summary
    assert {k: s[k] for k in SUMMARY_COUNTS} == {k: batch_summary[k] for k in SUMMARY_COUNTS}
    w = invoke("warn", "--from-summary", str(summary), "--channel", "notice")
    assert w.returncode == 0 and "96110" in w.stdout.decode(), w.stderr.decode()

    # one machine reads Spark's part files: the kept text scores again to the very same rows
    again = tmp_path / "again.jsonl"
    p = invoke("batch", str(out), "-o", str(again), "--text-column", "text", "--id-column", "id", "-q",
               "--max-errors", "100%")
    assert p.returncode == 0, p.stderr.decode()
    assert sorted(_jsonl(again), key=lambda r: r["id"]) == expected

    # an existing output is refused before Spark starts
    p = invoke("spark", str(parity_input), str(out))
    assert p.returncode == 1 and "已存在" in p.stderr.decode()


def test_spark_submit_runs_the_command_file(tmp_path):
    exe = shutil.which("spark-submit", path=str(Path(sys.executable).parent)) or shutil.which("spark-submit")
    assert exe, "spark-submit is installed with pyspark"
    src = tmp_path / "in.json"
    src.write_text("".join(json.dumps({"msg_id": i, "content": t}, ensure_ascii=False) + "\n"
                           for i, t in enumerate(["先交解冻费才能放款", "妈我到家了", None])), "utf-8")
    out = tmp_path / "out.json"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable, "NO_COLOR": "1"}
    p = subprocess.run([exe, "--master", "local[1]", spark_cli.__file__, str(src), str(out), "--id-column", "msg_id",
                        "-q", "--max-errors", "100%"], capture_output=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr.decode()[-3000:]
    rows = sorted((json.loads(line) for f in out.glob("part-*.json") for line in f.read_text("utf-8").splitlines()),
                  key=lambda r: r["msg_id"])
    assert [r["msg_id"] for r in rows] == [0, 1, 2]
    assert [r["status"] for r in rows] == ["ok", "ok", "error: 文本为空值（null）"]
    assert rows[0]["is_fraud"] is True and rows[1]["category_id"] == "normal"
    assert list(rows[2]) == ["msg_id", *(f for f in FIELDS if f != "id")]  # nulls written, as batch does
    assert rows[2]["category"] is None and rows[2]["red_flags"] == []


def test_without_pyspark_the_command_says_which_extra_to_install(tmp_path, parity_input):
    code = "import sys; sys.modules['pyspark'] = None; from fraudwarn.cli import main; main()"
    p = subprocess.run([sys.executable, "-c", code, "spark", str(parity_input), str(tmp_path / "o.parquet")],
                       capture_output=True, timeout=120)
    err = p.stderr.decode()
    assert p.returncode == 1, err
    assert "FW104" in err and 'pip install "fraudwarn[spark]"' in err and "Traceback" not in err
