"""``fraudwarn spark``: batch scoring on Spark for tables too big for one machine.

Also runnable with spark-submit (``spark-submit --master yarn fraudwarn/cli/spark.py IN OUT``).
pyspark is imported only when the command runs, so ``fraudwarn --help`` works without it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from fraudwarn.cli.common import error_limit, finish_run
from fraudwarn.errors import InputError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
FORMATS = ("parquet", "csv", "json", "orc", "table")
_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json",
             ".ndjson": "json", ".orc": "orc"}


def format_for(path: str, forced: str | None) -> str:
    """Format by extension (``.gz`` ignored); a path without one is taken for Parquet."""
    if forced:
        return forced
    return _SUFFIXES.get(Path(path.lower().rstrip("/").removesuffix(".gz")).suffix, "parquet")


def _read(spark: Any, path: str, fmt: str) -> Any:
    if fmt == "table":
        return spark.table(path)
    reader = spark.read
    if fmt == "csv":  # RFC 4180 as batch reads it: a header, "" inside quotes, newlines inside quotes
        reader = reader.option("header", True).option("escape", '"').option("multiLine", True)
    return reader.format(fmt).load(path)


def read_input(spark: Any, path: str, fmt: str, text_column: str | None) -> tuple[Any, str]:
    """The input DataFrame and its text column (named, or guessed like batch guesses a header)."""
    from fraudwarn.sources import Source

    df = _read(spark, path, fmt)
    text = df.columns[Source._pick_column(df.columns, text_column, "--text-column")]
    if fmt == "csv":  # Spark reads an empty cell as null; batch (and the file) say it is an empty text
        df = df.na.fill("", [text])
    return df, text


def _flatten_for_csv(df: Any) -> Any:
    """Arrays and structs as batch writes them to CSV ("; "-joined), and formulas neutralised for Excel."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    cols = []
    for f in df.schema.fields:
        c = F.col(f"`{f.name}`")
        if f.name == "red_flags":
            c = F.array_join(F.transform(c, lambda x: x["name"]), "; ")
        elif f.name == "indicators":
            c = F.array_join(F.transform(c, lambda x: F.concat_ws(":", x["kind"], x["value"])), "; ")
        elif f.name == "rule":
            c = F.when(c.isNull(), F.lit("")).otherwise(F.concat_ws(":", c["action"], c["reason"]))
        elif f.name in ("probability", "fraud_probability"):  # 0.0005 as Python writes it, not Java's 5.0E-4
            plain = F.regexp_replace(c.cast("decimal(5,4)").cast("string"), "0+$", "")
            c = F.regexp_replace(plain, r"\.$", ".0")
        elif isinstance(f.dataType, T.BooleanType):
            c = F.when(c, F.lit("true")).when(~c, F.lit("false"))
        if isinstance(f.dataType, (T.StringType, T.ArrayType, T.StructType)):
            formula = c.rlike(r"^[=+\-@\t\r]") & ~c.rlike(r"^[+-]?[\d\s().-]+$")
            c = F.when(formula, F.concat(F.lit("'"), c)).otherwise(c)
        cols.append(c.alias(f.name))
    return df.select(*cols)


def _write(df: Any, path: str, fmt: str, overwrite: bool) -> None:
    mode = "overwrite" if overwrite else "errorifexists"
    if fmt == "table":
        df.write.mode(mode).saveAsTable(path)
        return
    writer = df.write.mode(mode)
    if fmt == "csv":
        writer = (_flatten_for_csv(df).write.mode(mode).option("header", True).option("escape", '"')
                  .option("emptyValue", ""))
    if fmt == "json":
        writer = writer.option("ignoreNullFields", False)  # every column on every line, as batch's JSONL
    writer.format(fmt).save(path)


@click.command("spark", context_settings=CONTEXT)
@click.argument("input_path", metavar="INPUT")
@click.argument("output_path", metavar="OUTPUT")
@click.option("--text-column", default=None, help="文本列（默认自动识别 text、content、内容 等）。")
@click.option("--id-column", default=None, help="id 列：原样保留在输出中，用于与原表关联。")
@click.option("--sender-column", default=None, help="发送方号码列：原样保留，并用于 --rules 的发送方名单。")
@click.option("--time-column", default=None, help="时间列：原样保留；汇总中给出时间范围（period）。")
@click.option("--keep-column", "keep_columns", multiple=True, help="其他需要原样保留的列（可多次）。")
@click.option("--keep-text", is_flag=True, help="输出中保留原文列。")
@click.option("--mask-pii", is_flag=True, help="输出中遮盖手机号、身份证号、银行卡号。")
@click.option("--input-format", type=click.Choice(FORMATS), default=None,
              help="输入格式（默认按扩展名：.parquet、.csv、.json/.jsonl、.orc；无扩展名按 Parquet）；table 表示 Hive 表名。")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default=None,
              help="输出格式（默认按扩展名）；Spark 写出的是一个目录（part 文件）。")
@click.option("--master", default=None, help="Spark master，如 local[*]、yarn；默认用 spark-submit 给的，否则 local[*]。")
@click.option("--batch-size", type=click.IntRange(1, 1_000_000), default=5000, show_default=True,
              help="每个 Arrow 批的行数（Python 进程一次打分的行数，影响内存）。")
@click.option("--partitions", type=click.IntRange(1, 1_000_000), default=None,
              help="打分前重新分区；默认仅当输入分区少于核数时分成 2×核数。")
@click.option("--summary", "summary_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="把汇总统计写成 JSON（与 batch --summary 同样的格式，可交给 warn --from-summary）。")
@click.option("--overwrite", is_flag=True, help="输出已存在时覆盖（默认拒绝）。")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="诈骗概率达到此值即判为诈骗信息（默认用模型清单中的阈值）。")
@click.option("--rules", "rules_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="本地规则文件；需在每个执行器上的同一路径可读。")
@click.option("--max-errors", default="50%", show_default=True,
              help="允许的错误记录数（如 100）或比例（如 5%）；超过时退出码为 4（结果仍会写出）。")
@click.option("--model", "model_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="模型目录（需在每个执行器上的同一路径可读）；默认使用随包发布的模型。")
@click.option("-q", "--quiet", is_flag=True, help="不显示汇总。")
def spark_command(
    input_path: str,
    output_path: str,
    text_column: str | None,
    id_column: str | None,
    sender_column: str | None,
    time_column: str | None,
    keep_columns: tuple[str, ...],
    keep_text: bool,
    mask_pii: bool,
    input_format: str | None,
    output_format: str | None,
    master: str | None,
    batch_size: int,
    partitions: int | None,
    summary_path: Path | None,
    overwrite: bool,
    threshold: float | None,
    rules_file: Path | None,
    max_errors: str,
    model_dir: Path | None,
    quiet: bool,
) -> None:
    """在 Spark 上批量检测（Parquet、CSV、JSON、ORC 或 Hive 表），输出列与 fraudwarn batch 相同。

    INPUT、OUTPUT 为路径（本地、HDFS、S3 等 Spark 能读写的位置）或 Hive 表名（--input-format/--format table）。
    输出保留 id、发送方、时间等列，再加上 category、probability、fraud_probability、is_fraud、risk、
    red_flags、indicators、status 等检测结果；坏记录（空值、空白、超长文本）标注状态而不会让任务失败。

    \b
    例：fraudwarn spark msgs.parquet scored.parquet --text-column content --id-column msg_id --summary week.json
        spark-submit --master yarn fraudwarn/cli/spark.py hdfs:///dw/sms/dt=2026-12-01 hdfs:///dw/sms_scored/dt=2026-12-01
    """
    if summary_path is not None:
        from fraudwarn.batch.run import check_output_path

        check_output_path(summary_path)
    error_limit(max_errors, 0)  # a malformed value fails before Spark starts
    in_fmt, out_fmt = format_for(input_path, input_format), format_for(output_path, output_format)
    if out_fmt != "table" and "://" not in output_path and Path(output_path).exists() and not overwrite:
        raise InputError(f"输出 {output_path} 已存在：换一个输出路径，或加 --overwrite 覆盖。")
    from fraudwarn import spark as fs

    started = time.perf_counter()
    spark = fs.session(master, hive="table" in (in_fmt, out_fmt))
    from pyspark.errors import AnalysisException, PySparkException

    try:
        df, text = read_input(spark, input_path, in_fmt, text_column)
    except AnalysisException as e:
        raise InputError(f"无法读取输入 {input_path}：{str(e).splitlines()[0]}") from e
    cores = spark.sparkContext.defaultParallelism
    if partitions:
        df = df.repartition(partitions)
    elif df.rdd.getNumPartitions() < cores:  # one small file is one partition: spread it over every core
        df = df.repartition(2 * cores)
    scored = fs.score_dataframe(
        df, text, id_column=id_column, sender_column=sender_column, time_column=time_column,
        keep_columns=keep_columns, keep_text=keep_text, model_dir=model_dir, threshold=threshold,
        mask_pii=mask_pii, rules_file=rules_file, batch_size=batch_size,
    )
    scored_sha = scored.schema["status"].metadata.get("model_sha256")  # set by score_dataframe
    try:
        _write(scored, output_path, out_fmt, overwrite)
        # The summary is counted on what was written: scoring again for it would double the work.
        summary = fs.summarise(_read(spark, output_path, out_fmt), time_column=time_column)
    except AnalysisException as e:
        raise InputError(f"无法写出 {output_path}：{str(e).splitlines()[0]}") from e
    except PySparkException as e:
        raise InputError(f"Spark 任务失败：{str(e).splitlines()[0]}") from e
    elapsed = time.perf_counter() - started
    summary = {
        "input": input_path,
        "output": output_path,
        **summary,
        "elapsed_seconds": round(elapsed, 2),
        "rows_per_second": round(summary["rows_in"] / elapsed, 1) if elapsed > 0 else None,
        "resumed_from": None,
        "model_sha256": scored_sha,
        "encoding": "utf-8",
        "encoding_confidence": 1.0,
        "encoding_reason": f"Spark（{in_fmt}）",
        "text_field": text,
        "warnings": [],
        "spark": {"master": spark.sparkContext.master, "default_parallelism": spark.sparkContext.defaultParallelism},
    }
    finish_run(summary, summary_path=summary_path, quiet=quiet, max_errors=max_errors,
               hint="请检查文本列（--text-column）。")


if __name__ == "__main__":  # spark-submit fraudwarn/cli/spark.py …: the same command, same error mapping
    import fraudwarn.cli.main as cli_main

    cli_main.main(["spark", *sys.argv[1:]])  # type: ignore[has-type]  # main.py imports this module
