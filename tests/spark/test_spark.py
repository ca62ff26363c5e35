"""fraudwarn.spark in Spark local mode: same rows as batch, bad rows with a status, one model load per worker."""

from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq

from fraudwarn.batch.writers import FIELDS
from fraudwarn.sources import NULL_TEXT
from fraudwarn.spark import OUTPUT_COLUMNS, load_counts, score_dataframe, summarise
from tests.conftest import invoke
from tests.spark.conftest import TWO_MB

SUMMARY_COUNTS = ("rows_in", "rows_out", "ok", "empty", "errors", "fraud", "by_category", "by_role",
                  "by_category_role", "by_risk")


def _scored(spark, parity_input, partitions=8, **kw):
    df = spark.read.parquet(str(parity_input)).repartition(partitions)
    return score_dataframe(df, "text", id_column="id", **kw)


def _plain(row):
    return row.asDict(recursive=True)


def test_rows_out_equal_rows_in_with_the_id_kept_and_the_batch_columns_added(spark, parity_input):
    scored = _scored(spark, parity_input, sender_column="sender", time_column="ts")
    assert scored.columns == ["id", "sender", "ts", *OUTPUT_COLUMNS]
    n_in = pq.ParquetFile(parity_input).metadata.num_rows
    assert n_in == 2000
    assert scored.count() == n_in
    assert scored.select("id").distinct().count() == n_in
    assert dict(scored.schema["red_flags"].dataType.elementType.jsonValue()["fields"][0]) == {
        "name": "id", "type": "string", "nullable": True, "metadata": {}}


def test_every_row_is_identical_to_fraudwarn_batch_on_the_same_2000_texts(spark, parity_input, batch_rows):
    expected, _ = batch_rows
    got = {r["id"]: _plain(r) for r in _scored(spark, parity_input).collect()}
    assert len(got) == len(expected) == 2000
    differing = [e["id"] for e in expected if {k: got[e["id"]][k] for k in FIELDS} != e]
    assert differing == []
    # the comparison covers real variety: several categories, verdicts, flags and statuses
    ok = [e for e in expected if e["status"] == "ok"]
    assert len({e["category_id"] for e in ok}) == 11
    assert {e["is_fraud"] for e in ok} == {True, False}
    assert sum(bool(e["red_flags"]) for e in ok) > 200 and sum(bool(e["indicators"]) for e in ok) > 200


def test_nulls_empty_strings_and_a_2_mb_text_get_a_status_not_a_failed_job(spark):
    assert len(TWO_MB.encode("utf-8")) >= 2 * 1024 * 1024
    rows = [(1, None), (2, ""), (3, "  \t "), (4, TWO_MB), (5, "先交解冻费才能放款"), (6, None)]
    df = spark.createDataFrame(rows, "id long, body string").repartition(3)
    got = {r["id"]: r for r in score_dataframe(df, "body", id_column="id", batch_size=2).collect()}
    assert got[1]["status"] == got[6]["status"] == f"error: {NULL_TEXT}"
    assert got[2]["status"] == got[3]["status"] == "empty"
    assert got[4]["status"] == "error: 文本超过 1 MB，不像是一条消息"
    assert got[5]["status"] == "ok" and got[5]["is_fraud"] is True
    for k in (1, 2, 3, 4, 6):
        assert got[k]["category"] is None and got[k]["red_flags"] == [] and got[k]["indicators"] == []
    assert isinstance(got[1]["id"], int)  # the id column is kept with its own type

    numbers = spark.createDataFrame([(1, 7), (2, None)], "id long, n long")
    got = {r["id"]: r["status"] for r in score_dataframe(numbers, "n", id_column="id").collect()}
    assert got == {1: "error: 文本列“n”不是字符串", 2: f"error: {NULL_TEXT}"}  # as batch reads such Parquet


def test_the_model_is_loaded_once_per_python_worker_and_cached_by_hash(spark, parity_input, shipped_model,
                                                                       mini_model_dir):
    from fraudwarn.model.artifact import load

    sha = shipped_model.manifest["model_sha256"]
    tasks = 16
    for _ in range(2):  # two jobs of 16 tasks each, Arrow batches of 50 rows: 40+ batches per job
        assert _scored(spark, parity_input, partitions=tasks, batch_size=50).count() == 2000
    counts = load_counts(spark, sha, tasks=tasks)
    assert counts and max(counts.values()) == 1  # no worker loaded it twice
    assert 1 <= sum(counts.values()) < tasks  # far fewer loads than tasks: workers are reused

    mini_sha = load(mini_model_dir).manifest["model_sha256"]
    df = spark.read.parquet(str(parity_input)).limit(200).repartition(4)
    mini = {r["id"]: r["category_id"] for r in score_dataframe(df, "text", id_column="id",
                                                               model_dir=mini_model_dir).collect()}
    shipped = {r["id"]: r["category_id"] for r in score_dataframe(df, "text", id_column="id").collect()}
    assert mini != shipped  # another model gives other rows: no row came from the other model's cache
    assert max(load_counts(spark, sha, tasks=tasks).values()) == 1
    assert max(load_counts(spark, mini_sha, tasks=tasks).values()) == 1


def test_the_summary_by_spark_aggregation_equals_the_batch_summary(spark, parity_input, batch_rows):
    _, expected = batch_rows
    got = summarise(_scored(spark, parity_input, time_column="ts"), time_column="ts")
    assert {k: got[k] for k in SUMMARY_COUNTS} == {k: expected[k] for k in SUMMARY_COUNTS}
    assert got["period"] == {"from": "2026-11-01", "to": "2026-11-28"}
    assert got["errors"] >= 4 and got["empty"] >= 2


def test_csv_output_flattens_like_batch_csv(spark, parity_input, tmp_path, batch_rows):
    from fraudwarn.cli.spark import _write

    out = tmp_path / "out.csv"
    _write(_scored(spark, parity_input, partitions=3), str(out), "csv", overwrite=False)
    got = {}
    for part in sorted(out.glob("part-*.csv")):
        with open(part, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                got[r["id"]] = r
    p = invoke("batch", str(parity_input), "-o", str(tmp_path / "b.csv"), "--id-column", "id", "-q", "-j", "2")
    assert p.returncode == 0, p.stderr.decode()
    with open(tmp_path / "b.csv", encoding="utf-8-sig", newline="") as f:
        expected = list(csv.DictReader(f))
    assert list(expected[0]) == list(next(iter(got.values())))  # same columns in the same order
    diffs = [(k, e[k], got[e["id"]][k]) for e in expected for k in e if got[e["id"]][k] != e[k]]
    assert diffs[:5] == []


def test_csv_input_reads_empty_cells_and_quoted_newlines_as_batch_does(spark, tmp_path):
    from fraudwarn.batch.run import run_batch
    from fraudwarn.cli.spark import read_input

    src = tmp_path / "in.csv"
    src.write_text('id,内容\n1,刷单兼职日结，先垫付后返佣\n2,\n3,"第一行\n第二行，请加QQ 12345678"\n4,"说""你好"""\n',
                   "utf-8")
    run_batch(str(src), str(tmp_path / "b.jsonl"), id_column="id", jobs=1)
    expected = [json.loads(line) for line in (tmp_path / "b.jsonl").read_text("utf-8").splitlines()]
    df, text = read_input(spark, str(src), "csv", None)
    assert text == "内容"  # guessed like batch guesses the header
    got = {r["id"]: _plain(r) for r in score_dataframe(df, text, id_column="id").collect()}
    assert [{k: got[e["id"]][k] for k in FIELDS} for e in expected] == expected
    assert [e["status"] for e in expected] == ["ok", "empty", "ok", "ok"]
