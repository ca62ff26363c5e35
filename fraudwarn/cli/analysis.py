"""``fraudwarn leads`` and ``fraudwarn trends``: scored dumps turned into police work."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from fraudwarn.cli.common import CONTEXT, EXIT_CODES_HELP


@click.command(context_settings=CONTEXT, epilog=EXIT_CODES_HELP)
@click.argument("scored", metavar="SCORED", type=click.Path(exists=True, dir_okay=True, path_type=Path))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="写入文件：.json（对象列表）、.csv（分析用表格，可直接用 Excel/WPS 打开）或 .txt（配合 --format 12321）。",
)
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv", "12321"]), default=None,
    help="输出格式（默认按 -o 的扩展名）；12321：运营商举报格式，每行“号码*内容”，只含电话线索。",
)
@click.option("--kinds", default=",".join(("url", "phone", "wechat", "qq", "bank_card", "email", "app")),
              show_default=True, help="统计哪些线索类型（逗号分隔）。")
@click.option("--min-count", type=click.IntRange(1), default=1, show_default=True, help="至少出现在多少条诈骗信息中。")
@click.option("--include-medium", is_flag=True, help="把风险为“中”的诈骗信息也计入（默认只计判定为诈骗的）。")
@click.option("--top", type=click.IntRange(1), default=20, show_default=True, help="屏幕上列出的条数。")
@click.option("--json", "as_json", is_flag=True, help="屏幕输出 JSON。")
@click.option("--text-column", default=None, help="SCORED 是原始导出时：文本所在的列或字段。")
@click.option("--sender-column", default=None, help="SCORED 是原始导出时：发送方所在的列或字段。")
@click.option("--time-column", default=None, help="SCORED 是原始导出时：发送时间所在的列或字段。")
@click.option("--model", "model_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="SCORED 是原始导出时用于检测的模型目录（默认随包模型）。")
def leads(
    scored: Path, output: Path | None, fmt: str | None, kinds: str, min_count: int, include_medium: bool,
    top: int, as_json: bool, text_column: str | None, sender_column: str | None, time_column: str | None,
    model_dir: Path | None,
) -> None:
    """涉诈线索：把诈骗信息背后的网址域名、电话、微信/QQ、银行卡、应用按出现次数排序。

    SCORED 是 fraudwarn batch 或 fraudwarn spark 的输出（JSONL、CSV、Parquet 文件或 Spark 写出的 Parquet 目录）；若给的是原始导出（TXT/CSV/JSONL/Parquet），会先检测再统计。
    同一线索的不同写法会合并（全角、空格、+86、V信/薇 等），网址按注册域名合并；
    已知正规域名和服务号码（银行、运营商、平台、政务）不会列为线索。

    \b
    例：fraudwarn batch dump.csv --sender-column 主叫 --time-column 时间 --keep-text -o scored.jsonl
        fraudwarn leads scored.jsonl -o leads.csv
        fraudwarn leads scored.jsonl --format 12321 -o report.txt
    """
    from fraudwarn.analysis.leads import (
        KIND_NAMES,
        collect_leads,
        is_scored,
        leads_12321,
        leads_csv,
        leads_json,
        read_scored,
    )

    fmt = fmt or _format_for(output)
    with tempfile.TemporaryDirectory(prefix="fraudwarn-leads-") as tmp:
        path = scored
        if not is_scored(scored):
            path = _score_first(scored, Path(tmp), text_column, sender_column, time_column, model_dir)
        found = collect_leads(
            read_scored(path), kinds=[k.strip() for k in kinds.split(",") if k.strip()],
            min_count=min_count, include_medium=include_medium,
        )
    body = {"json": leads_json, "csv": leads_csv, "12321": leads_12321}[fmt or "json"](found)
    if output:
        output.write_text(body, encoding="utf-8")
        click.echo(f"{len(found)} 条线索已写入 {output}", err=True)
        return
    if as_json or fmt:
        click.echo(body if fmt else leads_json(found[:top]), nl=False)
        return
    if not found:
        click.echo("没有找到涉诈线索（没有判定为诈骗的记录，或其中没有网址、号码和账号）。")
        return
    click.echo(f"共 {len(found)} 条线索，前 {min(top, len(found))} 条：")
    click.echo(f"{'类型':<8}{'线索':<28}{'消息数':>6}{'发送方':>6}  涉及类型")
    for lead in found[:top]:
        types = "、".join(f"{t}{n}" for t, n in lead.types.most_common(3))
        click.echo(f"{KIND_NAMES[lead.kind]:<8}{lead.value:<28}{lead.count:>6}{len(lead.senders):>6}  {types}")


def _format_for(output: Path | None) -> str | None:
    if output is None:
        return None
    suffix = output.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".json", ".jsonl"):
        return "json"
    raise click.UsageError("无法从 -o 的扩展名判断格式：请用 .json 或 .csv，或用 --format 指定（如 --format 12321）。")


def _score_first(
    raw: Path, tmp: Path, text_column: str | None, sender_column: str | None, time_column: str | None,
    model_dir: Path | None,
) -> Path:
    from fraudwarn.batch.run import BatchOptions, run_batch

    click.echo(f"{raw} 不是 fraudwarn batch 的输出，先逐条检测……", err=True)
    out = tmp / "scored.jsonl"
    carry = tuple(k for k, col in (("sender", sender_column), ("time", time_column)) if col)
    run_batch(
        str(raw), str(out), options=BatchOptions(output_format="jsonl", keep_text=True, carry=carry),
        text_column=text_column, sender_column=sender_column, time_column=time_column, model_dir=model_dir,
        jobs=1,
    )
    return out


@click.command(context_settings=CONTEXT, epilog=EXIT_CODES_HELP)
@click.argument("summary", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--period", "current", default=None, help="要对比的时段（如 2026-W49 或 2026-11-30；默认最近一个）。")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), default=None, help="把各类型按时段的数量画成折线图（PNG）。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def trends(summary: Path, current: str | None, png: Path | None, as_json: bool) -> None:
    """趋势：各诈骗类型本期与上期相比是上升还是下降。

    SUMMARY 是 fraudwarn batch --time-column 时间列 --summary week.json 写出的汇总（按周或按天计数）。
    计数为诈骗信息与案情描述，不含防范提示。

    \b
    例：fraudwarn batch dump.csv --time-column 发送时间 --period week -o scored.csv --summary week.json
        fraudwarn trends week.json --png trend.png
        fraudwarn warn --from-summary week.json     # 预警中会写“本周××类信息较上周上升×成”
    """
    from fraudwarn.analysis.periods import period_label
    from fraudwarn.analysis.trends import MIN_COUNT, compute_trends, load_summary, plot_trends

    data = load_summary(summary)
    t = compute_trends(data, current=current)
    if png:
        note = plot_trends(data, png)
        if note:
            click.echo(click.style("注意：" + note, fg="yellow"), err=True)
        click.echo(f"趋势图已写入 {png}", err=True)
    if as_json:
        click.echo(json.dumps(t.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"{period_label(t.current)} 对比 {period_label(t.previous)}：")
    if not t.types:
        click.echo("两个时段都没有诈骗类记录。")
        return
    for x in t.types:
        small = "（数量少，仅供参考）" if max(x.current, x.previous) < MIN_COUNT else ""
        click.echo(f"  {x.category:<10}{x.previous:>6} → {x.current:<6}{x.phrase}{small}")


