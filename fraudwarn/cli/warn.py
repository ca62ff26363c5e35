"""``fraudwarn warn``: 警方提示 per type and channel, from a summary (with trends), or 以案说法 from a case."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from fraudwarn.cli.common import (
    CONTEXT,
    EXIT_CODES_HELP,
    model_option,
)
from fraudwarn.cli.human import pct
from fraudwarn.errors import (
    InputError,
)
from fraudwarn.notices.channels import channel_help, channels


@click.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
@click.argument("category", required=False)
@click.option(
    "--channel",
    type=click.Choice(list(channels())),
    default="notice",
    show_default=True,
    help=channel_help(),
)
@click.option("--issuer", default=None, help="落款单位（≤30字，去除标记和数字），如“XX市公安局反诈中心”。")
@click.option("--region", default=None, help="地区（≤20字），如“城南街道”。")
@click.option(
    "--date",
    "date_",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="日期 YYYY-MM-DD（默认今天）。",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="措辞变体的种子（默认由日期和类型决定：同样的输入总得到同样的文字）。",
)
@click.option("--from-text", "from_text", default=None, help="先检测这条消息，再针对它的诈骗类型生成预警。")
@click.option(
    "--from-summary",
    "from_summary",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="用 fraudwarn batch --summary 生成的统计文件写“近期高发”汇总预警。",
)
@click.option(
    "--from-case",
    "from_case",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="以案说法：把这个文件中的一段案情描述（UTF-8 文本）匿名化后写成提示（notice 或 wechat 渠道）。",
)
@click.option("--type", "case_type", default=None, help="与 --from-case 一起：指定诈骗类型（默认由模型判定）。")
@click.option(
    "--top", type=click.IntRange(1, 10), default=4, show_default=True, help="--from-summary 时列出的类型数。"
)
@click.option(
    "--template-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="使用自定义模板目录（默认只用随包模板）。",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="写入文件（默认输出到屏幕）。",
)
@model_option
def warn(
    category: str | None,
    channel: str,
    issuer: str | None,
    region: str | None,
    date_: Any,
    seed: int | None,
    from_text: str | None,
    from_summary: Path | None,
    from_case: Path | None,
    case_type: str | None,
    top: int,
    template_dir: Path | None,
    output: Path | None,
    model_dir: Path | None,
) -> None:
    """生成警方提示：按诈骗类型、按渠道，根据批量检测的统计写“近期高发”提示，或以案说法。

    CATEGORY 可写中文名、英文 id 或别名（如 刷单返利、order_brushing、兼职刷单）。
    生成的文字不含任何链接，除 110、96110 和日期外不含数字。

    \b
    例：fraudwarn warn 刷单返利 --channel sms
        fraudwarn warn --from-text "您好，我是京东客服……" --channel notice
        fraudwarn warn --from-summary week.json --top 4 --issuer "XX派出所"
        fraudwarn warn --from-case case.txt --region 城南街道
    """
    from fraudwarn.categories import get_category
    from fraudwarn.notices.render import rank_summary, render

    given = sum(x is not None for x in (category, from_text, from_summary, from_case))
    if given != 1:
        raise click.UsageError("请给出且只给出一种来源：CATEGORY、--from-text、--from-summary 或 --from-case。")
    if case_type is not None and from_case is None:
        raise click.UsageError("--type 只与 --from-case 一起使用。")
    trend: str | None = None
    if from_case is not None:
        _warn_from_case(from_case, case_type, channel, issuer, region, date_, seed, template_dir, output, model_dir)
        return
    if from_text is not None:
        from fraudwarn.predict import check_text, classify, load_model

        result = classify(check_text(from_text), model=load_model(model_dir), explain=False)
        if result.category_id == "normal":
            click.echo(
                f"该消息被判定为“正常”（概率 {pct(result.probability)}），不是诈骗，未生成预警。", err=True
            )
            return
        click.echo(f"检测结果：{result.category}（{result.role}，概率 {pct(result.probability)}）", err=True)
        cats = [get_category(result.category_id)]
    elif from_summary is not None:
        try:
            summary = json.loads(from_summary.read_text("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(f"{from_summary} 不是合法的 JSON 汇总文件。") from e
        cats = rank_summary(summary, top=top)
        if not cats:
            click.echo("汇总中没有诈骗类记录，未生成预警。", err=True)
            return
        trend = _summary_trend(summary)
    else:
        cats = [get_category(category or "")]
    w = render(
        cats,
        channel=channel,
        issuer=issuer,
        region=region,
        date=date_.date() if date_ else None,
        seed=seed,
        template_dir=template_dir,
        trend=trend,
    )
    for note in w.notes:
        click.echo(click.style("注意：" + note, fg="yellow"), err=True)
    if output:
        output.write_text(w.text, encoding="utf-8")
        click.echo(f"已写入 {output}", err=True)
    else:
        click.echo(w.text, nl=False)


def _summary_trend(summary: dict[str, Any]) -> str | None:
    """The rising types of the latest period, as a notice says it; None without times."""
    if not summary.get("by_period"):
        return None
    from fraudwarn.analysis.trends import compute_trends, trend_sentence

    t = compute_trends(summary)
    rising = t.rising()[:2]
    if not rising:
        return None
    return "，".join(trend_sentence(x, t.unit) if i == 0 else trend_sentence(x, t.unit).removeprefix(f"本{t.unit}")
                    for i, x in enumerate(rising))


def _warn_from_case(
    path: Path, case_type: str | None, channel: str, issuer: str | None, region: str | None, date_: Any,
    seed: int | None, template_dir: Path | None, output: Path | None, model_dir: Path | None,
) -> None:
    from fraudwarn.notices.cases import case_notice
    from fraudwarn.predict import load_model

    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{path} 不是 UTF-8 文本；请先转换编码（如 iconv -f gbk -t utf-8）。") from e
    n = case_notice(
        text, category=case_type, channel=channel, issuer=issuer, region=region,
        date=date_.date() if date_ else None, seed=seed, template_dir=template_dir,
        model=None if case_type else load_model(model_dir),
    )
    if n.removed:
        kinds = {"phone": "电话", "url": "网址", "wechat": "微信号", "qq": "QQ号", "bank_card": "银行卡号",
                 "id_number": "身份证号", "email": "邮箱", "name": "姓名", "age": "年龄", "date": "日期时间",
                 "address": "详细地址", "card_tail": "卡号或电话尾号", "amount": "金额（已取整）", "digits": "其他数字"}
        parts = "、".join(f"{kinds.get(k, k)} {v} 处" for k, v in n.removed.items())
        click.echo(f"已匿名化：{parts}。发布前请再人工核对一遍。", err=True)
    if output:
        output.write_text(n.text, encoding="utf-8")
        click.echo(f"已写入 {output}", err=True)
    else:
        click.echo(n.text, nl=False)
