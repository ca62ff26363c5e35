"""Command-line interface: a thin layer that parses options, calls the library, prints.

Every command maps :class:`~fraudwarn.errors.FraudwarnError` to a one-line Chinese
message on stderr and a documented exit code; no traceback reaches the user unless
``FRAUDWARN_DEBUG=1`` is set.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from fraudwarn._version import __version__
from fraudwarn.batch.writers import formats as output_formats
from fraudwarn.errors import (
    EXIT_ERROR,
    EXIT_MODEL,
    EXIT_TOO_MANY_ERRORS,
    EXIT_USAGE,
    FraudwarnError,
    InputError,
)

EXIT_CODES_HELP = (
    f"退出码 / exit codes: 0 成功；{EXIT_ERROR} 输入或数据错误；{EXIT_USAGE} 用法错误（参数不对）；"
    f"{EXIT_MODEL} 模型缺失、损坏或不兼容；{EXIT_TOO_MANY_ERRORS} 批量检测中错误记录超过 --max-errors；130 被中断。"
)

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    click.echo(click.style(f"警告：{message}", fg="yellow"), err=True)


class _Group(click.Group):
    """Turns library errors into Chinese one-liners with stable exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        warnings.showwarning = _show_warning
        try:
            return super().invoke(ctx)
        except FraudwarnError as e:
            click.echo(click.style(f"错误 {e.code}：{e.message}", fg="red"), err=True)
            ctx.exit(e.exit_code)
        except KeyboardInterrupt:
            click.echo("已中断。", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            sys.stderr.close()  # downstream closed the pipe (| head): not an error
            ctx.exit(0)
        except Exception as e:
            if os.environ.get("FRAUDWARN_DEBUG"):
                raise
            click.echo(
                f"内部错误：{type(e).__name__}: {e}（设置 FRAUDWARN_DEBUG=1 查看详情，并请报告此问题）",
                err=True,
            )
            ctx.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings=CONTEXT, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, "-V", "--version", message="fraudwarn %(version)s")
def main() -> None:
    """fraudwarn：离线识别十类常见电信网络诈骗信息，并生成警方提示。

    Offline classifier for Chinese fraud messages (ten MPS fraud types + 正常) and a
    generator of police-style warnings.

    \b
    常用 / common:
      fraudwarn classify "您好，我是京东客服……"     检测一条消息
      fraudwarn classify --json < messages.txt       每行一条，输出 JSON
      fraudwarn explain "刷单兼职日结，先垫付后返佣"   判定依据
      fraudwarn batch dump.csv -o scored.csv         批量检测（可续跑）
      fraudwarn warn 刷单返利 --channel sms           生成警方提示
      fraudwarn train                                用 data/corpus 重新训练模型
    """


def model_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--model",
        "model_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="模型目录（含 model.npz 与 manifest.json）；默认使用随包发布的模型。只加载你明确指定的目录。",
    )(f)


def threshold_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--threshold",
        type=click.FloatRange(0, 1),
        default=None,
        help="诈骗概率达到此值即判为诈骗信息（默认用模型清单中的阈值）；调低召回更多、误报也更多。",
    )(f)


def rules_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--rules", "rules_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="本地规则文件（YAML/JSON：允许名单、拒绝名单、关键词/正则规则），与模型一起生效；命中的规则在结果中注明。",
    )(f)


def data_option(
    help_text: str = "语料目录（默认 data/corpus）。", *, exists: bool = True
) -> Callable[..., Any]:
    """The --data option shared by the corpus and training commands."""
    return click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False, exists=exists, path_type=Path),
        default=None,
        help=help_text,
    )


def _read_stdin_lines() -> list[str]:
    """Messages from stdin, one per line, read by the same decoder as ``batch`` (encoding, BOMs, gzip)."""
    from fraudwarn.sources import Source

    if sys.stdin.isatty():
        click.echo("请输入消息，每行一条；输入完毕按 Ctrl-D（Windows 为 Ctrl-Z 回车）。", err=True)
    with Source("-", fmt="txt") as src:
        return [r.text for r in src if r.text is not None and r.text.strip()]


def _gather_messages(messages: tuple[str, ...]) -> list[str]:
    """Arguments as messages; "-" (anywhere) stands for the lines of standard input."""
    if not messages:
        messages = ("-",)
    out: list[str] = []
    for m in messages:
        if m == "-":
            lines = _read_stdin_lines()
            if not lines:
                raise InputError('没有读到任何消息：标准输入为空。用法：fraudwarn classify "消息文本"')
            out.extend(lines)
        else:
            out.append(m)
    return out


def _pct(p: float | None) -> str:
    return "—" if p is None else f"{p * 100:.1f}%"


_RISK_COLOURS = {"高": "red", "中": "yellow", "低": "green"}
_KIND_NAMES = {
    "url": "网址",
    "email": "邮箱",
    "phone": "电话",
    "qq": "QQ",
    "wechat": "微信",
    "bank_card": "银行卡",
    "id_number": "身份证号",
    "money": "金额",
    "app": "应用/平台",
}


def _human(r: Any) -> str:
    lines = []
    shown = r.text if len(r.text) <= 80 else r.text[:80] + "…"
    lines.append(f"消息：{shown}")
    cat = click.style(r.category, bold=True)
    lines.append(f"类型：{cat}（概率 {_pct(r.probability)}）")
    if r.role is not None:
        lines.append(f"性质：{r.role}（概率 {_pct(r.role_probability)}）")
    else:
        lines.append("性质：—（与诈骗无关）")
    verdict = "是诈骗信息" if r.is_fraud else "不是诈骗信息"
    risk = click.style(r.risk, fg=_RISK_COLOURS.get(r.risk), bold=True)
    lines.append(f"风险：{risk}（诈骗概率 {_pct(r.fraud_probability)}，判定：{verdict}）")
    if r.review:
        lines.append(click.style("提示：模型把握不大，建议人工复核。", fg="yellow"))
    lines.append("前三：" + "｜".join(f"{t.category} {_pct(t.probability)}" for t in r.top))
    if r.rule is not None:
        lines.append(click.style(f"本地规则：{r.rule.reason}（{r.rule.id}）", fg="cyan"))
    if r.red_flags:
        lines.append("警示信号：" + "；".join(f.name for f in r.red_flags))
    if r.legit_signals:
        lines.append("正常特征：" + "；".join(f.name for f in r.legit_signals))
    if r.evidence:
        lines.append("依据：" + "、".join(f"{e.term}({e.weight:+.2f})" for e in r.evidence))
    if r.indicators:
        lines.append(
            "线索：" + "；".join(f"{_KIND_NAMES.get(i.kind, i.kind)} {i.value}" for i in r.indicators)
        )
    return "\n".join(lines)


@main.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
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

    texts = _gather_messages(messages)
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
            click.echo(_human(r))


@main.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
@data_option()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="模型输出目录；在项目检出目录中运行时默认为 ./models，其他位置必须指定。",
)
@click.option(
    "--folds",
    default=5,
    show_default=True,
    type=click.IntRange(0, 20),
    help="用于校准和阈值选择的分组交叉验证折数；0 表示不做（更快，但没有校准）。",
)
@click.option(
    "--cv/--no-cv", default=False, show_default=True, help="同时计算留一体裁（留一 form）评估并写入模型清单（较慢）。"
)
@click.option(
    "--target-fpr",
    type=click.FloatRange(0.0005, 0.5),
    default=0.005,
    show_default=True,
    help="诈骗判定阈值按此误报率（在正常难例的交叉验证预测上）选择。",
)
def train(data_dir: Path | None, out_dir: Path | None, folds: int, cv: bool, target_fpr: float) -> None:
    """用标注语料重新训练模型，并把评估结果写入模型清单（manifest.json）。"""
    from fraudwarn.training.pipeline import train_from_corpus

    manifest = train_from_corpus(
        data_dir, out_dir, folds=folds, cross_style=cv, target_fpr=target_fpr, progress=_progress
    )
    m = manifest.get("metrics", {})
    click.echo(f"已保存模型：{manifest['_path']}（用时 {manifest.get('training_seconds')} 秒）", err=True)
    if m:
        c, f = m["category"], m["fraud"]
        click.echo(
            f"分组交叉验证：macro-F1 {c['macro_f1']:.3f}，准确率 {c['accuracy']:.3f}，"
            f"诈骗召回 {f['recall']}，正常误报 {f['fpr_normal']}，难例误报 {f['fpr_hard_negative']}",
            err=True,
        )


def _progress(message: str) -> None:
    click.echo(message, err=True)


@main.group(context_settings=CONTEXT)
def corpus() -> None:
    """语料工具：导入草稿、检查质量门槛、生成语料卡片。"""


@corpus.command("check", context_settings=CONTEXT)
@data_option()
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def corpus_check(data_dir: Path | None, as_json: bool) -> None:
    """检查语料的质量门槛（数量、渠道、重复、近重复）；不达标时退出码为 1。"""
    from fraudwarn.training.corpus import default_corpus_dir, gate_report, load_corpus

    d = data_dir or default_corpus_dir()
    report = gate_report(load_corpus(d), scenario_file=d.parent / "scenarios.yaml")
    report.pop("pairs")
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for k, v in report.items():
            if k != "failures":
                click.echo(f"{k}: {v}")
        for f in report["failures"]:
            click.echo(click.style(f"未达标：{f}", fg="red"))
    if report["failures"]:
        sys.exit(EXIT_ERROR)


@corpus.command("audit", context_settings=CONTEXT)
@data_option()
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("data/audit/label_issues.jsonl"),
    show_default=True, help="可疑标注的输出文件（JSONL，最可疑的在前）。",
)
def corpus_audit(data_dir: Path | None, output: Path) -> None:
    """用 cleanlab 在交叉验证预测上找出可能标错的记录，写成复核清单。"""
    from fraudwarn.training.audit import find_issues, write_issues
    from fraudwarn.training.corpus import load_corpus

    records = load_corpus(data_dir)
    issues = find_issues(records)
    write_issues(issues, output)
    click.echo(f"{len(records)} 条记录中 {len(issues)} 条可能标错，已写入 {output}", err=True)


@corpus.command("apply-review", context_settings=CONTEXT)
@click.argument("review", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_option()
def corpus_apply_review(review: Path, data_dir: Path | None) -> None:
    """把复核结论（每行 {"id", "decision": keep/relabel/drop, "label", "role", "reason"}）写回语料。"""
    from fraudwarn.training.audit import apply_review

    counts = apply_review(review, data_dir)
    click.echo("复核结论：" + "、".join(f"{k} {v}" for k, v in counts.items()), err=True)


@corpus.command("card", context_settings=CONTEXT)
@data_option()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="输出文件（默认 data/CORPUS.md）。",
)
def corpus_card(data_dir: Path | None, output: Path | None) -> None:
    """根据语料生成语料卡片 data/CORPUS.md（数量、长度、多样性、已知不足）。"""
    from fraudwarn.training.card import render_card
    from fraudwarn.training.corpus import default_corpus_dir, load_corpus

    d = data_dir or default_corpus_dir()
    out = output or d.parent / "CORPUS.md"
    out.write_text(render_card(load_corpus(d)), encoding="utf-8")
    click.echo(f"已写入 {out}", err=True)


@corpus.command("import", context_settings=CONTEXT)
@click.argument(
    "drafts", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
@data_option("语料目录（默认 data/corpus；不存在则新建）。", exists=False)
@click.option("--hard-negative", "hard", multiple=True, help="其中的正常消息均为难例的草稿文件名（可多次）。")
def corpus_import(drafts: tuple[Path, ...], data_dir: Path | None, hard: tuple[str, ...]) -> None:
    """把写作草稿（text/label/role/channel/sub）导入语料：分配 id 和 group，去重。"""
    from fraudwarn.training.corpus import default_corpus_dir, import_drafts, load_corpus, write_corpus

    d = data_dir or default_corpus_dir()
    existing = load_corpus(d) if d.is_dir() and any(d.glob("*.jsonl")) else []
    new, notes = import_drafts(drafts, existing, hard_negative_files=hard)
    counts = write_corpus([*existing, *new], d)
    for n in notes:
        click.echo(n, err=True)
    click.echo(f"导入 {len(new)} 条，跳过 {len(notes)} 条；各类数量：{counts}", err=True)


@main.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
@click.argument("data", required=False, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--cv",
    is_flag=True,
    help="在 DATA（默认 data/corpus）上做分组交叉验证、留一体裁和留一写作者评估，而不是评估现有模型。",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20), help="--cv 的折数。")
@click.option(
    "--attack", is_flag=True, help="同时在伪装变体（空格、零宽字符、全角、谐音、表情、繁体及其组合）上评估。"
)
@click.option(
    "--plot",
    "plot_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="把混淆矩阵和可靠性图（PNG）写到此目录（需要 matplotlib：pip install 'fraudwarn[plot]'）。",
)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@model_option
def evaluate(
    data: Path | None,
    cv: bool,
    folds: int,
    attack: bool,
    plot_dir: Path | None,
    as_json: bool,
    model_dir: Path | None,
) -> None:
    """评估模型：准确率、macro-F1、各类精确率/召回率、诈骗召回、正常误报、混淆矩阵、校准。

    DATA 可以是语料目录、语料 JSONL，或含 text、label（可选 role）列的 CSV/JSONL；
    标签可写英文 id、中文名或别名。
    """
    from fraudwarn.training.evaluate import evaluate_model, format_report, read_labelled

    if cv:
        from fraudwarn.training.corpus import default_corpus_dir
        from fraudwarn.training.pipeline import cross_validate

        report = cross_validate(data or default_corpus_dir(), folds=folds, attack=attack, progress=_progress)
        if plot_dir:
            from fraudwarn.training.plots import write_plots

            for p in write_plots(report["group_kfold"], plot_dir):
                click.echo(f"已写入 {p}", err=True)
        if as_json:
            click.echo(json.dumps(report, ensure_ascii=False, indent=2))
            return
        click.echo(f"== 分组 {folds} 折交叉验证 ==")
        click.echo(format_report(report["group_kfold"]))
        for key, title in (("leave_one_form_out", "留一体裁（在其余体裁上训练，在该体裁上测试）"),
                           ("leave_one_writer_out", "留一写作者（跨写作者）")):
            if key not in report:
                continue
            click.echo(f"\n== {title} ==")
            for name, m in report[key].items():
                if isinstance(m, dict):
                    click.echo(
                        f"{name:<16} n {m['n']:>6}  macro-F1 {m['macro_f1']:.3f}  准确率 {m['accuracy']:.3f}  "
                        f"诈骗召回 {m['fraud_recall'] if m['fraud_recall'] is not None else '—'}  "
                        f"正常误报 {m['fpr_normal'] if m['fpr_normal'] is not None else '—'}"
                    )
            click.echo(f"平均 macro-F1 {report[key]['mean_macro_f1']}")
        if attack:
            clean = report["group_kfold"]["category"]
            click.echo("\n== 伪装攻击（同一折模型，测试文本经伪装）==")
            click.echo(
                f"{'clean':<12} macro-F1 {clean['macro_f1']:.3f}  诈骗召回 {clean['fraud_recall']:.3f}"
            )
            for name, c in report["attacked"].items():
                click.echo(
                    f"{name:<12} macro-F1 {c['macro_f1']:.3f}  诈骗召回 {c['fraud_recall']:.3f}  "
                    f"差 {clean['macro_f1'] - c['macro_f1']:+.3f}"
                )
        return
    if data is None:
        raise click.UsageError("请给出要评估的标注文件 DATA，或使用 --cv。")
    from fraudwarn.predict import load_model

    texts, cats, roles, hard, _ = read_labelled(data)
    model = load_model(model_dir)
    report = evaluate_model(model, texts, cats, roles, hard)
    if attack:
        from fraudwarn.text.disguise import TRICKS
        from fraudwarn.text.disguise import attack as disguise

        report["attacked"] = {
            name: evaluate_model(
                model, [disguise(t, [name], seed=i) for i, t in enumerate(texts)], cats, roles, hard
            )
            for name in [*TRICKS, "combined"]
        }
    if plot_dir:
        from fraudwarn.training.plots import write_plots

        for p in write_plots(report, plot_dir):
            click.echo(f"已写入 {p}", err=True)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    click.echo(format_report(report))
    for name, m in report.get("attacked", {}).items():
        c = m["category"]
        click.echo(f"伪装 {name:<12} macro-F1 {c['macro_f1']:.3f}  诈骗召回 {c['fraud_recall']}")


@main.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
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
              help="发送方号码所在的列或字段，用于规则文件中的发送方允许名单。")
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
    _error_limit(max_errors, 0)  # a malformed value fails before any work
    options = BatchOptions(
        output_format=output_format_for(output, output_format),
        keep_text=keep_text,
        mask_pii=mask_pii,
        chunk_size=chunk_size,
        threshold=threshold,
        rules_file=str(rules_file.resolve()) if rules_file else None,
        rules_sha256=_file_sha256(rules_file) if rules_file else None,
    )
    if rules_file:
        from fraudwarn.rules import load_rules

        load_rules(rules_file)  # a bad rules file fails here, naming the line, before any work
    bar = _ProgressBar() if (not quiet and sys.stderr.isatty()) else None
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
    if summary_path:
        summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if not quiet:
        click.echo(_format_summary(summary), err=True)
    limit = _error_limit(max_errors, summary["rows_in"])
    if summary["errors"] > limit:
        click.echo(
            f"错误 FW103：{summary['errors']:,} 条记录无法处理，超过 --max-errors 允许的 {limit:,} 条；"
            "结果已写出，但请检查输入编码、格式或文本列（--encoding、--text-column）。",
            err=True,
        )
        sys.exit(EXIT_TOO_MANY_ERRORS)


class _ProgressBar:
    """A one-line progress display on stderr: rows, rows/s, percent and ETA by bytes read."""

    def __init__(self) -> None:
        import time

        self.start = time.perf_counter()
        self.last = 0.0

    def update(self, rows: int, read: int, total: int | None) -> None:
        import time

        now = time.perf_counter()
        if now - self.last < 0.2:
            return
        self.last = now
        rate = rows / max(1e-9, now - self.start)
        line = f"\r已处理 {rows:,} 条 · {rate:,.0f} 条/秒"
        if total:
            frac = min(1.0, read / total)
            eta = (now - self.start) * (1 - frac) / frac if frac > 0 else 0
            filled = int(frac * 30)
            line = f"\r[{'#' * filled}{'.' * (30 - filled)}] {frac:6.1%} · 剩余约 {eta:,.0f} 秒 · " + line[1:]
        click.echo(line, err=True, nl=False)

    def close(self) -> None:
        click.echo("", err=True)


def _file_sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _error_limit(spec: str, rows: int) -> int:
    """--max-errors: a count (``100``) or a share of the records (``5%``)."""
    text = spec.strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1]) / 100
            if not 0 <= share <= 1:
                raise ValueError
            return int(share * rows)
        value = int(text)
        if value < 0:
            raise ValueError
        return value
    except ValueError:
        raise click.BadParameter(f"“{spec}” 不是记录数（如 100）或比例（如 5%）。", param_hint="--max-errors") from None


def _format_summary(s: dict[str, Any]) -> str:
    lines = [
        f"输入 {s['rows_in']:,} 条，输出 {s['rows_out']:,} 条；有效 {s['ok']:,}，空白 {s['empty']:,}，错误 {s['errors']:,}",
        f"诈骗信息 {s['fraud']:,} 条；用时 {s['elapsed_seconds']} 秒（{s['rows_per_second'] or 0:,.0f} 条/秒）",
    ]
    if s["by_category"]:
        lines.append("类型：" + "、".join(f"{k} {v:,}" for k, v in s["by_category"].items()))
    if s["by_role"]:
        lines.append("性质：" + "、".join(f"{k} {v:,}" for k, v in s["by_role"].items()))
    enc = f"输入编码 {s['encoding']}（置信度 {s['encoding_confidence']:.0%}，{s['encoding_reason']}）"
    if s.get("text_field"):
        enc += f"；文本字段 “{s['text_field']}”"
    lines.append(enc)
    for w in s.get("warnings", []):
        lines.append(click.style("注意：" + w, fg="yellow"))
    lines.append(f"结果：{s['output']}")
    return "\n".join(lines)


@main.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
@click.argument("category", required=False)
@click.option(
    "--channel",
    type=click.Choice(["sms", "notice", "wechat", "html"]),
    default="notice",
    show_default=True,
    help="sms：一条短信（≤70字）；notice：社区公告；wechat：微信群/公众号 Markdown；html：可打印 A4 海报。",
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
    top: int,
    template_dir: Path | None,
    output: Path | None,
    model_dir: Path | None,
) -> None:
    """生成警方提示：按诈骗类型、按渠道，或根据批量检测的统计写“近期高发”提示。

    CATEGORY 可写中文名、英文 id 或别名（如 刷单返利、order_brushing、兼职刷单）。
    生成的文字不含任何链接，除 110、96110 和日期外不含数字。

    \b
    例：fraudwarn warn 刷单返利 --channel sms
        fraudwarn warn --from-text "您好，我是京东客服……" --channel notice
        fraudwarn warn --from-summary week.json --top 4 --issuer "XX派出所"
    """
    from fraudwarn.categories import get_category
    from fraudwarn.notices.render import rank_summary, render

    given = sum(x is not None for x in (category, from_text, from_summary))
    if given != 1:
        raise click.UsageError("请给出且只给出一种来源：CATEGORY、--from-text 或 --from-summary。")
    if from_text is not None:
        from fraudwarn.predict import check_text, classify, load_model

        result = classify(check_text(from_text), model=load_model(model_dir), explain=False)
        if result.category_id == "normal":
            click.echo(
                f"该消息被判定为“正常”（概率 {_pct(result.probability)}），不是诈骗，未生成预警。", err=True
            )
            return
        click.echo(f"检测结果：{result.category}（{result.role}，概率 {_pct(result.probability)}）", err=True)
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
    )
    for note in w.notes:
        click.echo(click.style("注意：" + note, fg="yellow"), err=True)
    if output:
        output.write_text(w.text, encoding="utf-8")
        click.echo(f"已写入 {output}", err=True)
    else:
        click.echo(w.text, nl=False)


@main.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
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
        f"类型：{click.style(r.category, bold=True)}（概率 {_pct(r.probability)}）"
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


def highlight(text: str, spans: list[tuple[int, int]]) -> str:
    """Text with the given character spans in colour (click strips colour off a TTY)."""
    marks = [False] * len(text)
    for s, e in spans:
        for i in range(s, min(e, len(text))):
            marks[i] = True
    out, i = [], 0
    while i < len(text):
        j = i
        while j < len(text) and marks[j] == marks[i]:
            j += 1
        piece = text[i:j]
        out.append(click.style(piece, fg="red", bold=True, underline=True) if marks[i] else piece)
        i = j
    return "".join(out)


from fraudwarn.cli.spark import spark_command  # noqa: E402 - its own module (pyspark is imported lazily)

main.add_command(spark_command)
