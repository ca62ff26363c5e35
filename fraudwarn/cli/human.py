"""Everything the CLI shows a person: result blocks, highlights, progress bar, batch summary."""

from __future__ import annotations

from typing import Any

import click


def pct(p: float | None) -> str:
    return "—" if p is None else f"{p * 100:.1f}%"


RISK_COLOURS = {"高": "red", "中": "yellow", "低": "green"}
KIND_NAMES = {
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


def human_result(r: Any) -> str:
    lines = []
    shown = r.text if len(r.text) <= 80 else r.text[:80] + "…"
    lines.append(f"消息：{shown}")
    cat = click.style(r.category, bold=True)
    lines.append(f"类型：{cat}（概率 {pct(r.probability)}）")
    if r.role is not None:
        lines.append(f"性质：{r.role}（概率 {pct(r.role_probability)}）")
    else:
        lines.append("性质：—（与诈骗无关）")
    verdict = "是诈骗信息" if r.is_fraud else "不是诈骗信息"
    risk = click.style(r.risk, fg=RISK_COLOURS.get(r.risk), bold=True)
    lines.append(f"风险：{risk}（诈骗概率 {pct(r.fraud_probability)}，判定：{verdict}）")
    if r.review:
        lines.append(click.style("提示：模型把握不大，建议人工复核。", fg="yellow"))
    lines.append("前三：" + "｜".join(f"{t.category} {pct(t.probability)}" for t in r.top))
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
            "线索：" + "；".join(f"{KIND_NAMES.get(i.kind, i.kind)} {i.value}" for i in r.indicators)
        )
    return "\n".join(lines)


class ProgressBar:
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


def format_summary(s: dict[str, Any]) -> str:
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
