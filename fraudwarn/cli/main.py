"""Command-line interface: a thin layer that parses options, calls the library, prints.

Every command maps :class:`~fraudwarn.errors.FraudwarnError` to a one-line Chinese
message on stderr and a documented exit code; no traceback reaches the user unless
``FRAUDWARN_DEBUG=1`` is set (see :class:`fraudwarn.cli.common._Group`). Each command
group lives in its own module; this one only assembles them.
"""

from __future__ import annotations

import click

from fraudwarn._version import __version__
from fraudwarn.cli.analysis import leads, trends
from fraudwarn.cli.batch import batch
from fraudwarn.cli.classify import classify, explain
from fraudwarn.cli.common import CONTEXT, EXIT_CODES_HELP, _Group
from fraudwarn.cli.serve import serve
from fraudwarn.cli.spark import spark_command
from fraudwarn.cli.training import corpus, evaluate, train
from fraudwarn.cli.warn import warn


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


for _command in (classify, explain, batch, warn, leads, trends, serve, spark_command, train, evaluate, corpus):
    main.add_command(_command)
