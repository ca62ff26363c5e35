"""``fraudwarn classify`` and ``fraudwarn explain``: one message at a time."""

from __future__ import annotations

import json
from pathlib import Path

import click

from fraudwarn.cli.common import (
    CONTEXT,
    EXIT_CODES_HELP,
    gather_messages,
    model_option,
    rules_option,
    threshold_option,
)
from fraudwarn.cli.human import highlight, human_result, pct


@click.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
@click.argument("messages", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="每条消息输出一行 JSON（机器可读）。")
@threshold_option
@click.option(
    "--target-fpr",
    type=click.FloatRange(0.0005, 0.5),
    default=None,
    help="按训练时在正常难例上测得的误报率选择阈值（如 0.01 即 1%）；与 --threshold 二选一。",
)
@rules_option
@model_option
def classify(
    messages: tuple[str, ...],
    as_json: bool,
    threshold: float | None,
    target_fpr: float | None,
    rules_file: Path | None,
    model_dir: Path | None,
) -> None:
    """检测消息属于哪类诈骗（或正常），以及它是诈骗信息、案情描述还是防范提示。

    MESSAGES 是一条或多条消息；不给或给 "-" 时从标准输入读取，每行一条。

    \b
    例：fraudwarn classify "你好，我是你们班主任，这是新微信，班费请转到这个账户"
        fraudwarn classify --json < messages.txt
    """
    from fraudwarn.model.thresholds import threshold_for_fpr
    from fraudwarn.predict import check_text, classify_many, load_model

    texts = gather_messages(messages)
    texts = [check_text(t, position=(i + 1) if len(texts) > 1 else None) for i, t in enumerate(texts)]
    model = load_model(model_dir)
    if target_fpr is not None:
        if threshold is not None:
            raise click.UsageError("--threshold 与 --target-fpr 只能二选一。")
        threshold = threshold_for_fpr(model, target_fpr)
    from fraudwarn.rules import load_rules

    rules = load_rules(rules_file) if rules_file else None
    results = classify_many(texts, model=model, threshold=threshold, rules=rules)
    for i, r in enumerate(results):
        if as_json:
            click.echo(json.dumps(r.to_dict(), ensure_ascii=False))
        else:
            if i:
                click.echo()
            click.echo(human_result(r))


@click.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
@click.argument("text")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON：词语、权重和在原文中的字符位置。")
@click.option(
    "--top", "top_k", type=click.IntRange(1, 50), default=10, show_default=True, help="列出的词语数。"
)
@model_option
def explain(text: str, as_json: bool, top_k: int, model_dir: Path | None) -> None:
    """解释判定依据：哪些词语（分词与字符片段）把消息推向该类别、远离“正常”。

    在终端中，依据词语会在原文中高亮显示。
    """
    from fraudwarn.predict import check_text, classify, load_model

    r = classify(check_text(text), model=load_model(model_dir), top_k=top_k)
    if as_json:
        click.echo(
            json.dumps({k: v for k, v in r.to_dict().items() if k != "indicators"}, ensure_ascii=False)
        )
        return
    click.echo(
        f"类型：{click.style(r.category, bold=True)}（概率 {pct(r.probability)}）"
        + (f"　性质：{r.role}" if r.role else "")
    )
    if r.red_flags:
        click.echo("警示信号：" + "；".join(f.name for f in r.red_flags))
    if r.legit_signals:
        click.echo("正常特征：" + "；".join(f.name for f in r.legit_signals))
    reference = "“正常”" if r.category_id != "normal" else "最接近的诈骗类型"
    click.echo(f"相对于{reference}，推动判定的词语：")
    for e in r.evidence:
        click.echo(f"  {e.term:<10}{e.weight:+.3f}" + ("" if e.spans else "（经归一化后匹配）"))
    click.echo("原文：" + highlight(r.text, [s for e in r.evidence for s in e.spans]))
