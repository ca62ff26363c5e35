"""``fraudwarn serve``: the local web workbench and JSON API on uvicorn.

Web dependencies (extra ``[web]``) are imported only when the command runs, so
``fraudwarn --help`` and every other command work without them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click


@click.command(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址。默认只接受本机访问；绑定到其他地址必须同时给出 --token。")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="端口。")
@click.option("--model", "model_dir", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="模型目录；默认使用随包发布的模型。")
@click.option("--token", envvar="FRAUDWARN_TOKEN", default=None,
              help="访问令牌（Bearer）；也可用环境变量 FRAUDWARN_TOKEN。绑定到非本机地址时必需。")
@click.option("--upload-limit", default=20, show_default=True, type=click.IntRange(1, 2048),
              help="批量上传文件的大小上限（MB）。")
@click.option("--max-texts", default=100, show_default=True, type=click.IntRange(1, 10000),
              help="一次检测请求最多的消息条数。")
@click.option("--max-concurrent", default=8, show_default=True, type=click.IntRange(1, 1024),
              help="同时处理的请求数上限；超出的请求立即得到 503（请稍后重试）。")
@click.option("--keep-uploads", "ttl", default=3600, show_default=True, type=click.IntRange(1, 7 * 86400),
              help="上传文件和批量结果在任务结束后保留的秒数，到期删除。")
@click.option("--review-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="复核结果写入的语料 JSONL 文件（默认 ./fraudwarn-review/reviewed.jsonl）。")
def serve(host: str, port: int, model_dir: Path | None, token: str | None, upload_limit: int, max_texts: int,
          max_concurrent: int, ttl: int, review_file: Path | None) -> None:
    """启动本地网页工作台（检测、批量、预警、复核）和 JSON API（/api/v1/）。

    需要可选依赖：pip install "fraudwarn[web]"。所有页面和资源都在本机，不访问任何外部网址。

    \b
    例：fraudwarn serve                       # 浏览器打开 http://127.0.0.1:8000/
        fraudwarn serve --host 0.0.0.0 --token "$(openssl rand -hex 16)"
    """
    try:
        import uvicorn

        from fraudwarn.web.app import create_app
        from fraudwarn.web.settings import Settings
    except ImportError as e:
        raise click.UsageError(f"网页工作台需要可选依赖（缺少 {e.name}）：请运行 pip install \"fraudwarn[web]\"。") from e

    settings = Settings(host=host, port=port, model_dir=model_dir, token=token or None,
                        upload_limit_bytes=upload_limit << 20, max_texts=max_texts, max_concurrent=max_concurrent,
                        upload_ttl_seconds=ttl)
    if review_file is not None:
        settings = replace(settings, review_file=review_file)
    if not settings.loopback and not settings.token:
        raise click.UsageError(
            f"绑定到 {host} 会让其他机器也能访问工作台：必须同时用 --token 设置访问令牌（或改用默认的 127.0.0.1）。"
        )
    app = create_app(settings)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"fraudwarn 工作台：http://{shown}:{port}/　（API：/api/v1/，OpenAPI：/api/v1/openapi.json）", err=True)
    if settings.token:
        click.echo("已启用访问令牌：API 请求需带 Authorization: Bearer <令牌>；浏览器请打开 /?token=<令牌>。", err=True)
    if not settings.loopback:
        click.echo(click.style(f"注意：正在监听 {host}，局域网内的其他机器可以访问（需令牌）。", fg="yellow"), err=True)
    click.echo(f"复核结果写入：{settings.review_file}；上传文件在任务结束 {ttl} 秒后删除。按 Ctrl+C 停止。", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", workers=1, access_log=False,
                server_header=False, timeout_graceful_shutdown=5)
