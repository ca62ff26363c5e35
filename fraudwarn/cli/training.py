"""``fraudwarn train``, ``fraudwarn evaluate`` and the ``fraudwarn corpus`` tools (training side)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from fraudwarn.cli.common import (
    CONTEXT,
    EXIT_CODES_HELP,
    data_option,
    model_option,
)
from fraudwarn.errors import (
    EXIT_ERROR,
)


@click.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
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


@click.group(context_settings=CONTEXT)
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


@click.command(epilog=EXIT_CODES_HELP, context_settings=CONTEXT)
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
@click.option("--skip-invalid", is_flag=True, help="跳过标签无效或无法解码的行（默认列出全部无效行并退出）。")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
@model_option
def evaluate(
    data: Path | None,
    cv: bool,
    folds: int,
    attack: bool,
    plot_dir: Path | None,
    as_json: bool,
    skip_invalid: bool,
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

    texts, cats, roles, hard, _ = read_labelled(data, skip_invalid=skip_invalid)
    model = load_model(model_dir)
    report = evaluate_model(model, texts, cats, roles, hard)
    if attack:
        from fraudwarn.training.evaluate import attacked_reports

        report["attacked"] = attacked_reports(model, texts, cats, roles, hard)
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
