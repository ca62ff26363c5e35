"""Output writers registry and Parquet in batch (input by row groups, output as one row group per chunk)."""

import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fraudwarn.batch import writers
from fraudwarn.batch.run import BatchOptions, run_batch
from fraudwarn.errors import InputError
from fraudwarn.sources import NULL_TEXT, Source
from tests.conftest import invoke


def _jsonl(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_every_registered_format_has_a_suffix_that_selects_it():
    assert {"jsonl", "csv", "tsv", "parquet"} <= set(writers.formats())
    for name in writers.formats():
        cls = writers.get_writer(name)
        assert cls.name == name
        for suffix in cls.suffixes:
            assert writers.format_for_path("out" + suffix.upper()) == name
    assert writers.format_for_path("out.unknown") == "jsonl"
    with pytest.raises(InputError, match="不支持的输出格式"):
        writers.get_writer("xlsx")


def test_a_newly_registered_format_is_used_by_batch(tmp_path, mini_model_dir):
    @writers.register
    class Pipes(writers.Writer):
        name = "pipes"
        suffixes = (".pipes",)

        def begin(self):
            self.stream.write(b"#" + "|".join(self.fields).encode() + b"\n")

        def write(self, rows):
            for r in rows:
                self.stream.write(f"{r['id']}|{r['category_id']}|{r['status']}\n".encode())

        def end(self):
            self.stream.write(b"#end\n")

    try:
        src = tmp_path / "in.txt"
        src.write_text("先交解冻费才能放款\n\n妈我到家了\n", "utf-8")
        out = tmp_path / "out.pipes"
        run_batch(str(src), str(out), options=BatchOptions(output_format=writers.format_for_path(str(out)),
                                                           chunk_size=1), model_dir=mini_model_dir, jobs=1)
        lines = out.read_text("utf-8").splitlines()
        assert lines[0].startswith("#id|category|")
        assert [ln.split("|")[0] for ln in lines[1:4]] == ["1", "2", "3"]
        assert lines[2].endswith("|empty") and lines[-1] == "#end"
    finally:
        writers._REGISTRY.pop("pipes")


def _parquet_input(path, n_groups=3):
    texts = ["刷单兼职日结，先垫付后返佣", None, "", "妈我到家了", "您的快递丢失，客服将为您理赔，请加QQ 12345678"]
    table = pa.table({
        "msg_id": pa.array([100 + i for i in range(len(texts) * n_groups)], pa.int64()),
        "sender": pa.array(["10086"] * (len(texts) * n_groups)),
        "内容": pa.array(texts * n_groups, pa.string()),
    })
    pq.write_table(table, path, row_group_size=len(texts))
    return table


def test_parquet_input_is_read_by_row_groups_with_the_chosen_columns(tmp_path):
    p = tmp_path / "in.parquet"
    table = _parquet_input(p)
    assert pq.ParquetFile(p).num_row_groups == 3
    with Source(str(p), id_column="msg_id") as src:
        recs = list(src)
        assert src.text_field == "内容"  # guessed like a CSV header
        assert src.bytes_read == src.size
    assert len(recs) == table.num_rows
    assert [r.id for r in recs] == [str(100 + i) for i in range(table.num_rows)]
    assert [r.number for r in recs] == list(range(1, table.num_rows + 1))
    assert recs[1].text is None and recs[1].error == NULL_TEXT
    assert recs[2].text == "" and recs[2].error is None
    with pytest.raises(InputError, match="没有列“正文”"):
        list(Source(str(p), text_column="正文"))


def test_a_non_string_text_column_marks_every_row_instead_of_failing(tmp_path):
    p = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": pa.array([1, 2], pa.int64())}), p)
    recs = list(Source(str(p)))
    assert [r.error for r in recs] == ["文本列“text”不是字符串"] * 2


def test_parquet_in_and_out_equals_jsonl_output(tmp_path, mini_model_dir):
    src = tmp_path / "in.parquet"
    _parquet_input(src)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.parquet"
    common = ["batch", str(src), "--id-column", "msg_id", "--model", str(mini_model_dir), "-q",
              "--chunk-size", "4", "--max-errors", "100%"]
    assert invoke(*common, "-o", str(a)).returncode == 0
    p = invoke(*common, "-o", str(b), "-j", "2", "--keep-text")
    assert p.returncode == 0, p.stderr.decode()
    table = pq.read_table(b)
    assert table.schema == writers.arrow_schema(keep_text=True)
    assert pq.ParquetFile(b).num_row_groups == 4  # 15 rows in chunks of 4: one row group each
    rows = table.to_pylist()
    expected = _jsonl(a)
    assert [{k: v for k, v in r.items() if k != "text"} for r in rows] == expected
    assert rows[0]["text"] == "刷单兼职日结，先垫付后返佣"
    assert rows[1]["status"] == f"error: {NULL_TEXT}" and rows[2]["status"] == "empty"


def test_a_folder_of_part_files_reads_as_one_table(tmp_path, mini_model_dir):
    d = tmp_path / "spark_out.parquet"
    d.mkdir()
    for k in range(3):
        pq.write_table(pa.table({"text": [f"第{k}份：先交解冻费才能放款", "妈我到家了"]}), d / f"part-0000{k}.parquet")
    (d / "_SUCCESS").write_bytes(b"")
    (d / ".part-00000.parquet.crc").write_bytes(b"crc")
    out = tmp_path / "o.jsonl"
    s = run_batch(str(d), str(out), model_dir=mini_model_dir, jobs=1)
    assert s["rows_in"] == 6 and s["ok"] == 6
    assert [r["id"] for r in _jsonl(out)] == [str(i) for i in range(1, 7)]


def test_parquet_output_refuses_resume_and_a_broken_input_is_named(tmp_path, mini_model_dir):
    src = tmp_path / "in.parquet"
    _parquet_input(src)
    p = invoke("batch", str(src), "-o", str(tmp_path / "o.parquet"), "--resume", "--model", str(mini_model_dir))
    assert p.returncode == 1 and "不支持 --resume" in p.stderr.decode()
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"not parquet at all")
    p = invoke("batch", str(bad), "-o", str(tmp_path / "o.jsonl"), "--model", str(mini_model_dir))
    err = p.stderr.decode()
    assert p.returncode == 1 and "不是有效的 Parquet 文件" in err and "Traceback" not in err


def test_missing_pyarrow_gives_a_chinese_message_naming_the_extra(tmp_path, mini_model_dir):
    src = tmp_path / "in.txt"
    src.write_text("你好\n", "utf-8")
    code = ("import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None; "
            "from fraudwarn.cli import main; main()")
    p = subprocess.run(
        [sys.executable, "-c", code, "batch", str(src), "-o", str(tmp_path / "o.parquet"),
         "--model", str(mini_model_dir), "-q"],
        capture_output=True, timeout=120,
    )
    err = p.stderr.decode()
    assert p.returncode == 1, err
    assert "FW104" in err and 'pip install "fraudwarn[parquet]"' in err and "Traceback" not in err
    assert not list(tmp_path.glob("o.parquet*"))  # refused before any output was opened


def test_the_row_cache_does_not_leak_between_runs_with_other_options(tmp_path, mini_model_dir):
    src = tmp_path / "in.txt"
    src.write_text("请联系13812345678办理\n", "utf-8")
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run_batch(str(src), str(a), model_dir=mini_model_dir, jobs=1)
    run_batch(str(src), str(b), options=BatchOptions(mask_pii=True), model_dir=mini_model_dir, jobs=1)
    assert "13812345678" in a.read_text("utf-8")
    assert "13812345678" not in b.read_text("utf-8")
