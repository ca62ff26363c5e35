"""Shared pieces of the command line: the error-mapping group, exit codes, option factories, stdin.

Every command maps :class:`~fraudwarn.errors.FraudwarnError` to a one-line Chinese
message on stderr and a documented exit code; no traceback reaches the user unless
``FRAUDWARN_DEBUG=1`` is set.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

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


def read_stdin_lines() -> list[str]:
    """Messages from stdin, one per line, read by the same decoder as ``batch`` (encoding, BOMs, gzip)."""
    from fraudwarn.sources import Source

    if sys.stdin.isatty():
        click.echo("请输入消息，每行一条；输入完毕按 Ctrl-D（Windows 为 Ctrl-Z 回车）。", err=True)
    with Source("-", fmt="txt") as src:
        return [r.text for r in src if r.text is not None and r.text.strip()]


def gather_messages(messages: tuple[str, ...]) -> list[str]:
    """Arguments as messages; "-" (anywhere) stands for the lines of standard input."""
    if not messages:
        messages = ("-",)
    out: list[str] = []
    for m in messages:
        if m == "-":
            lines = read_stdin_lines()
            if not lines:
                raise InputError('没有读到任何消息：标准输入为空。用法：fraudwarn classify "消息文本"')
            out.extend(lines)
        else:
            out.append(m)
    return out
