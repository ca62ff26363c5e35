"""Warning channels as data (``data/channels.json``), with a registry for new ones.

A channel is a template plus length limits; the CLI's ``--channel`` choices, the
renderer's checks and 以案说法's supported outputs all read this one registry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    help: str
    template: str
    case_template: str | None = None
    max_chars: int | None = None
    min_visible: int | None = None
    max_visible: int | None = None
    trend: bool = True  # room for a trend sentence ("本周…上升四成")


_EXTRA: dict[str, Channel] = {}


@cache
def _builtin() -> dict[str, Channel]:
    data = json.loads(resources.files("fraudwarn").joinpath("data/channels.json").read_text("utf-8"))
    return {c["id"]: Channel(**c) for c in data["channels"]}


def channels() -> dict[str, Channel]:
    """All channels by id, built-in first, in the order they were defined."""
    return {**_builtin(), **_EXTRA}


def register_channel(channel: Channel) -> None:
    """Add (or replace) a channel at run time, e.g. a local poster format with its own template."""
    _EXTRA[channel.id] = channel


def unregister_channel(channel_id: str) -> None:
    _EXTRA.pop(channel_id, None)


def channel_help() -> str:
    return "；".join(f"{c.id}：{c.help}" for c in channels().values()) + "。"
