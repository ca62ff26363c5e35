"""``fraudwarn batch``: score a message dump, resumable, with a summary and an error budget."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from fraudwarn.analysis.periods import PERIODS
from fraudwarn.batch.writers import formats as output_formats
from fraudwarn.cli.common import (
    CONTEXT,
    EXIT_CODES_HELP,
    error_limit,
    finish_run,
    model_option,
    rules_option,
    threshold_option,
)
from fraudwarn.cli.human import ProgressBar


@click.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
@click.argument("input_path", metavar="INPUT")
@click.option(
    "-o", "--output", required=True,
    help="输出文件：.jsonl、.csv、.tsv 或 .parquet（按扩展名选择格式，或用 --format）。",
)
@click.option(
    "--format", "output_format", type=click.Choice(output_formats()), default=None, help="输出格式。"
)
@click.option(
    "--input-format",
    type=click.Choice(["txt", "csv", "tsv", "jsonl", "parquet"]),
    default=None,
    help="输入格式（默认按扩展名；标准输入默认 txt）。",
)
@click.option("--encoding", default=None, help="强制输入编码（如 gb18030、utf-8、utf-16）；默认自动检测。")
@click.option(
    "--text-column",
    "--text-field",
    "text_column",
    default=None,
    help="CSV/Parquet 的文本列 / JSONL 的文本字段（默认自动识别 text、content、内容 等）。",
)
@click.option(
    "--id-column", "--id-field", "id_column", default=None, help="作为 id 的列或字段（默认用记录序号）。"
)
@click.option("--keep-text", is_flag=True, help="输出中保留原文。")
@click.option("--mask-pii", is_flag=True, help="输出中遮盖手机号、身份证号、银行卡号。")
@click.option(
    "-j", "--jobs", type=click.IntRange(1, 64), default=None, help="并行进程数（默认：全部 CPU 核）。"
)
@click.option(
    "--chunk-size",
    type=click.IntRange(1, 100_000),
    default=2000,
    show_default=True,
    help="每块记录数（续跑的粒度）。",
)
@click.option("--resume", is_flag=True, help="从上次中断处继续（需同样的输入、输出和选项）。")
@click.option(
    "--summary",
    "summary_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="把汇总统计写成 JSON（可交给 fraudwarn warn --from-summary 生成预警）。",
)
@click.option("-q", "--quiet", is_flag=True, help="不显示进度条和汇总。")
@threshold_option
@rules_option
@click.option("--sender-column", "--sender-field", "sender_column", default=None,
              help="发送方号码所在的列或字段：用于规则文件中的发送方名单，并写入输出（供 fraudwarn leads 统计发送方）。")
@click.option("--time-column", "--time-field", "time_column", default=None,
              help="发送时间所在的列或字段：写入输出，汇总中按天或按周计数（供 fraudwarn trends 和 leads）。")
@click.option("--period", type=click.Choice(PERIODS), default=None,
              help="与 --time-column 一起：汇总按天（day）或按周（week，默认）计数。")
@click.option(
    "--max-errors",
    default="50%",
    show_default=True,
    help="允许的错误记录数（如 100）或比例（如 5%）；超过时退出码为 4（结果仍会写出）。",
)
@model_option
def batch(
    input_path: str,
    output: str,
    output_format: str | None,
    input_format: str | None,
    encoding: str | None,
    text_column: str | None,
    id_column: str | None,
    keep_text: bool,
    mask_pii: bool,
    jobs: int | None,
    chunk_size: int,
    resume: bool,
    summary_path: Path | None,
    quiet: bool,
    threshold: float | None,
    rules_file: Path | None,
    sender_column: str | None,
    time_column: str | None,
    period: str | None,
    max_errors: str,
    model_dir: Path | None,
) -> None:
    """批量检测消息文件：每条输入记录对应一行输出，顺序不变，坏记录标注错误而不丢弃。

    INPUT 可为 .txt（每行一条）、.csv/.tsv（有表头）、.jsonl，可带 .gz；"-" 表示标准输入；
    也可为 .parquet 文件或 Spark 写出的 Parquet 目录（需 pip install "fraudwarn[parquet]"，--text-column 选列）。
    编码自动识别 UTF-8（含 BOM）、GB18030/GBK、UTF-16（含 BOM）。中断后可用 --resume 续跑，
    结果与不中断时逐字节相同。

    \b
    例：fraudwarn batch dump.csv --text-column 短信内容 -o scored.csv --summary week.json
    """
    from fraudwarn.batch.run import (
        BatchOptions,
        check_input_path,
        check_output_path,
        output_format_for,
        run_batch,
    )

    check_input_path(input_path)
    check_output_path(Path(output), input_path)
    if summary_path is not None:
        check_output_path(summary_path)
    error_limit(max_errors, 0)  # a malformed value fails before any work
    options = BatchOptions(
        output_format=output_format_for(output, output_format),
        keep_text=keep_text,
        mask_pii=mask_pii,
        chunk_size=chunk_size,
        threshold=threshold,
        rules_file=str(rules_file.resolve()) if rules_file else None,
        rules_sha256=_file_sha256(rules_file) if rules_file else None,
        carry=tuple(k for k, col in (("sender", sender_column), ("time", time_column)) if col),
    )
    if period and not time_column:
        raise click.UsageError("--period 需要与 --time-column 一起使用。")
    if rules_file:
        from fraudwarn.rules import load_rules

        load_rules(rules_file)  # a bad rules file fails here, naming the line, before any work
    bar = ProgressBar() if (not quiet and sys.stderr.isatty()) else None
    try:
        summary = run_batch(
            input_path,
            output,
            options=options,
            input_format=input_format,
            encoding=encoding,
            text_column=text_column,
            id_column=id_column,
            sender_column=sender_column,
            time_column=time_column,
            period=period,
            jobs=jobs,
            resume=resume,
            model_dir=model_dir,
            progress=bar.update if bar else None,
        )
    except KeyboardInterrupt:
        if bar:
            bar.close()
        click.echo(f"已中断。已完成的部分保存在 {output}.part；用同样的命令加 --resume 可继续。", err=True)
        sys.exit(130)
    if bar:
        bar.close()
    finish_run(summary, summary_path=summary_path, quiet=quiet, max_errors=max_errors,
               hint="请检查输入编码、格式或文本列（--encoding、--text-column）。")


def _file_sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
