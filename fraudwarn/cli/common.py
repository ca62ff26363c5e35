"""Shared pieces of the command line: the error-mapping group, exit codes, option factories, stdin.

Every command maps :class:`~fraudwarn.errors.FraudwarnError` to a one-line Chinese
message on stderr and a documented exit code; no traceback reaches the user unless
``FRAUDWARN_DEBUG=1`` is set.
"""

from __future__ import annotations

import json
import os
import re
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


#: click's own usage messages, as a user sees them in Chinese (pattern → replacement).
_CLICK_MESSAGES = (
    (r"^No such option:? '?([^'\s]+?)'?\.?(?: \(?Did you mean(?: one of:)? (.+?)\?\)?)?$",
     lambda m: f"没有这个选项：{m[1]}" + (f"。你是不是想用 {m[2]}？" if m[2] else "")),
    (r"^No such command '(.+)'\.$", lambda m: f"没有这个命令：{m[1]}"),
    (r"^Missing argument '(.+)'\.$", lambda m: f"缺少参数 {m[1]}"),
    (r"^Missing option '(.+)'\.$", lambda m: f"缺少选项 {m[1]}"),
    (r"^Option '(.+)' requires an argument\.$", lambda m: f"选项 {m[1]} 需要一个值"),
    (r"^Option '(.+)' requires (\d+) arguments\.$", lambda m: f"选项 {m[1]} 需要 {m[2]} 个值"),
    (r"^Got unexpected extra arguments? \((.+)\)$", lambda m: f"多余的参数：{m[1]}"),
    (r"^Invalid value for '(.+?)': (.+)$", lambda m: f"参数 {m[1]} 的值无效：{_click_value(m[2])}"),
)


def _click_value(detail: str) -> str:
    detail = re.sub(r"^'(.+)' is not one of (.+)\.$", r"“\1”不在可选值 \2 之中", detail)
    detail = re.sub(r"^(?:File|Path|Directory) '(.+)' does not exist\.$", r"文件或目录“\1”不存在", detail)
    detail = re.sub(r"^'(.+)' is not a valid (integer|float)\.$", r"“\1”不是有效的数字", detail)
    detail = re.sub(r"^(.+) is not in the range (.+)\.$", r"\1 不在允许的范围 \2 内", detail)
    return detail


def chinese_usage_message(message: str) -> str:
    """click's usage message in Chinese when it is one we know; otherwise as click wrote it."""
    for pattern, repl in _CLICK_MESSAGES:
        m = re.match(pattern, message, flags=re.S)
        if m:
            return repl(m)
    return message


def os_error_message(e: OSError) -> str:
    """A Chinese one-liner for a file-system error (full disk, no permission, missing folder)."""
    import errno

    where = f"（{e.filename}）" if e.filename else ""
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"磁盘空间不足，写入失败{where}：请腾出空间后重试；批量检测已完成的部分保留，可用 --resume 续跑。"
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有权限读写{where}：请换一个可写的目录，或检查文件权限。"
    if e.errno == errno.ENOENT:
        return f"文件或目录不存在{where}。"
    return f"读写文件时出错{where}：{e.strerror or e}。"


class _Group(click.Group):
    """Turns library errors into Chinese one-liners with stable exit codes."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """click's own usage errors (unknown option, missing argument…) are said in Chinese, exit 2."""
        kwargs.pop("standalone_mode", None)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except click.UsageError as e:
            if e.ctx is not None:
                click.echo(e.ctx.get_usage(), err=True)
                hint = f"用 “{e.ctx.command_path} -h” 查看帮助。"
            else:
                hint = "用 “fraudwarn -h” 或 “fraudwarn 命令 -h” 查看帮助。"
            click.echo(f"错误：{chinese_usage_message(e.format_message())}\n{hint}", err=True)
            sys.exit(e.exit_code)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("已中止。", err=True)
            sys.exit(EXIT_ERROR)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        previous_showwarning = warnings.showwarning  # put back afterwards: the caller may be a host process
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
        except OSError as e:  # the disk, not the program: say which file and what to do
            click.echo(click.style(f"错误：{os_error_message(e)}", fg="red"), err=True)
            ctx.exit(EXIT_ERROR)
        except Exception as e:
            if os.environ.get("FRAUDWARN_DEBUG"):
                raise
            click.echo(
                f"内部错误：{type(e).__name__}: {e}（设置 FRAUDWARN_DEBUG=1 查看详情，并请报告此问题）",
                err=True,
            )
            ctx.exit(EXIT_ERROR)
        finally:
            warnings.showwarning = previous_showwarning


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


def error_limit(spec: str, rows: int) -> int:
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


def finish_run(
    summary: dict[str, Any], *, summary_path: Path | None, quiet: bool, max_errors: str, hint: str
) -> None:
    """The end of ``batch`` and ``spark``: the summary JSON to --summary, the human summary on
    stderr (unless --quiet), then the error budget: more error rows than --max-errors allows is
    FW103 and exit 4, the results having been written. ``hint`` says which options to check."""
    from fraudwarn.cli.human import format_summary

    if summary_path:
        try:
            summary_path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        except OSError as e:  # a full disk shows up on write, without the file name: add it
            raise OSError(e.errno, e.strerror, str(summary_path)) from e
    if not quiet:
        click.echo(format_summary(summary), err=True)
    limit = error_limit(max_errors, summary["rows_in"])
    if summary["errors"] > limit:
        click.echo(
            f"错误 FW103：{summary['errors']:,} 条记录无法处理，超过 --max-errors 允许的 {limit:,} 条；"
            f"结果已写出，但{hint}",
            err=True,
        )
        sys.exit(EXIT_TOO_MANY_ERRORS)


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
