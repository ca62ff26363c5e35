"""警方提示-style warnings: per fraud type, per channel, and from batch statistics.

Facts come from ``data/warnings_kb.json``; wording is rendered by Jinja2 templates in
``templates/warning_<channel>.*.j2``. Variety comes from choosing among phrasings with
a seed (by default derived from the date and the type), so weekly notices differ while
the same inputs always give the same text. Like the official 12381 SMS, a warning
contains no link and no number other than 110 and 96110 (and its date).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import random
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fraudwarn.categories import NORMAL_ID, Category, get_category
from fraudwarn.errors import InputError
from fraudwarn.notices.channels import _builtin as _builtin_channels
from fraudwarn.notices.channels import channels as _channels
from fraudwarn.notices.templating import render_package_template
from fraudwarn.text import patterns as P

CHANNELS = tuple(_builtin_channels())  # the built-in ones; see fraudwarn.notices.channels for the registry
SMS_MAX = _builtin_channels()["sms"].max_chars or 70
NOTICE_MIN = _builtin_channels()["notice"].min_visible or 0
NOTICE_MAX = _builtin_channels()["notice"].max_visible or 10_000
ISSUER_MAX, REGION_MAX = 30, 20
DEFAULT_ISSUER = "当地公安机关反诈中心"
CN_NUMERALS = "一二三四五六七八九十"


@cache
def knowledge() -> dict[str, Any]:
    return json.loads(resources.files("fraudwarn").joinpath("data/warnings_kb.json").read_text("utf-8"))


#: Characters that spell digits: Chinese and financial numerals (a run of three or more reads as a number).
_NUMERAL_CHARS = "零〇一二三四五六七八九十壹贰叁肆伍陆柒捌玖拾两幺"
_NUMERAL_RUN = re.compile(f"[{_NUMERAL_CHARS}]{{3,}}")
#: Contact words that introduce an id (加微信abc, QQ123, vx: …): the word and what follows go.
_CONTACT = re.compile(r"(?:加|添加|联系)?(?:微信|薇信|威信|v信|vx|wx|qq|扣扣|电话|手机|tel|加v)[:：]?\s*[A-Za-z0-9_\-]*", re.I)


@dataclass(frozen=True)
class Sanitized:
    text: str
    changed: bool
    truncated: bool


def sanitize_issuer(value: str | None, limit: int) -> Sanitized:
    """Issuer and region as plain short text: no markup, links, ids, digits in any script, numerals runs.

    NFKC first, so full-width letters, circled (①) and superscript (¹) digits become ASCII and
    are removed with the rest; "evil[.]com" and "bit.ly/abc" style links go with any Latin run
    that holds a dot or slash. Returns whether anything was removed and whether it was cut.
    """
    if not value:
        return Sanitized("", False, False)
    original = value
    value = unicodedata.normalize("NFKC", value)
    value = re.sub(r"<[^>]*>?", "", value)
    value = P.URL.sub("", value)
    value = re.sub(r"[A-Za-z0-9_\-]*(?:\[\.\]|\(\.\)|\.|/|@)[A-Za-z0-9_\-./\[\]()]*", "", value)
    value = _CONTACT.sub("", value)
    value = "".join(ch for ch in value if not unicodedata.category(ch).startswith("N") or ch in "十")
    value = _NUMERAL_RUN.sub("", value)
    value = "".join(ch for ch in value if ch.isprintable())
    value = re.sub(r"[{}<>\[\]`*_#|\\()]", "", value)
    value = re.sub(r"[A-Za-z]{5,}", "", value)  # a long Latin run is an id, not an organisation name
    value = re.sub(r"\s+", " ", value).strip()
    truncated = len(value) > limit
    value = value[:limit]
    return Sanitized(value, value != original.strip(), truncated)


def sanitize(value: str | None, limit: int) -> str:
    return sanitize_issuer(value, limit).text


def default_seed(date: _dt.date, key: str) -> int:
    return int(hashlib.sha256(f"{date.isoformat()}|{key}".encode()).hexdigest()[:8], 16)


def _date_text(date: _dt.date) -> str:
    return f"{date.year}年{date.month}月{date.day}日"


@dataclass(frozen=True)
class RenderedWarning:
    """A rendered warning and what it is about."""

    channel: str
    text: str
    categories: tuple[str, ...]
    seed: int
    notes: tuple[str, ...] = ()  # what the user should know: issuer cleaned, cut or dropped


def _visible_length(text: str) -> int:
    """Characters a reader sees: for the notice limits, markup and blank lines do not count."""
    return len(re.sub(r"\s+", "", text))


def _context(
    cats: Sequence[Category],
    *,
    rng: random.Random,
    issuer: str,
    region: str,
    date: _dt.date,
    n_points: int,
    trend: str = "",
) -> dict[str, Any]:
    kb = knowledge()
    common = kb["common"]
    region_text = region or "本地"
    names = [c.short for c in cats]
    joined = "、".join(names[:-1]) + "和" + names[-1] if len(names) > 1 else names[0]
    ctx: dict[str, Any] = {
        "title": (title := rng.choice(common["titles"])),
        # "警惕！：谨防…" reads wrong: a title that ends in ！ takes no colon.
        "title_sep": "" if title.endswith("！") else "：",
        "issuer": issuer or DEFAULT_ISSUER,
        "region": region,
        "date": _date_text(date),
        "closing": rng.choice(common["closings"]),
        "share": rng.choice(common["share_lines"]),
        "three_nos": common["three_nos"],
        "numerals": CN_NUMERALS,
        "types": [c.name for c in cats],
        "short_names": names,
        "joined_names": joined,
        "trend": trend,
    }
    if len(cats) == 1:
        entry = kb["types"][cats[0].id]
        ctx.update(
            aggregate=False,
            name=cats[0].short,
            opener=rng.choice([o for o in common["openers"] if region or "{region}" not in o]).format(
                name=cats[0].short, region=region_text
            ),
            hook=rng.choice(entry["hook"]),
            step_intro=rng.choice(common["step_intros"]),
            steps=entry["steps"],
            point_intro=rng.choice(common["point_intros"]),
            points=rng.sample(entry["points"], k=min(n_points, len(entry["points"]))),
            fanshi=rng.choice(entry["fanshi"]),
            at_risk=entry["at_risk"],
            sms_line=rng.choice(entry["sms"]),
            sms_tail=rng.choice(common["sms_tails"]),
        )
    else:
        per_type = [(c.short, rng.choice(kb["types"][c.id]["fanshi"])) for c in cats]
        general = rng.sample(common["aggregate_points"], k=len(common["aggregate_points"]))
        extra = max(0, min(2, 5 - len(per_type)))
        ctx.update(
            aggregate=True,
            name=joined,
            opener=rng.choice(
                [o for o in common["aggregate_openers"] if region or "{region}" not in o]
            ).format(types=joined, region=region),
            hook="",
            step_intro="",
            steps=[],
            point_intro=rng.choice(common["point_intros"]),
            points=[f"{n}：{line}" for n, line in per_type][:5] + general[:extra],
            fanshi=general[extra],
            at_risk="",
            sms_line="凡是要你先转账、先垫付的都是诈骗",
            sms_tail=rng.choice(common["sms_tails"]),
        )
    return ctx


def _render(channel: str, ctx: dict[str, Any], template_dir: str | Path | None) -> str:
    return render_package_template(_channels()[channel].template, ctx, template_dir=template_dir).strip() + "\n"


def _fits(channel: str, text: str) -> bool:
    c = _channels()[channel]
    if c.max_chars is not None and len(text.strip()) > c.max_chars:
        return False
    visible = _visible_length(text)
    return (c.min_visible is None or visible >= c.min_visible) and (c.max_visible is None or visible <= c.max_visible)


def render(
    categories_: Sequence[str | Category],
    *,
    channel: str = "notice",
    issuer: str | None = None,
    region: str | None = None,
    date: _dt.date | None = None,
    seed: int | None = None,
    template_dir: str | Path | None = None,
    trend: str | None = None,
) -> RenderedWarning:
    """Render a warning about one type, or an aggregate about several (most frequent first).

    ``trend`` is a sentence on the statistics ("本周刷单返利类信息较上周上升四成") put before the
    opener; an SMS is too short for it and leaves it out.
    """
    if channel not in _channels():
        raise InputError(f"不支持的渠道“{channel}”，可用：{'、'.join(_channels())}。")
    cats = [c if isinstance(c, Category) else get_category(c) for c in categories_]
    if not cats:
        raise InputError("没有可预警的诈骗类型。")
    if any(c.id == NORMAL_ID for c in cats):
        raise InputError("“正常”不是诈骗类型，无法生成预警。")
    date = date or _dt.date.today()
    notes: list[str] = []
    cleaned = {}
    for name, value, limit in (("发文单位", issuer, ISSUER_MAX), ("地区", region, REGION_MAX)):
        r = sanitize_issuer(value, limit)
        cleaned[name] = r.text
        if value and not r.text:
            notes.append(f"{name}“{value}”只含链接、号码或标记，已整体去掉。")
        elif r.truncated:
            notes.append(f"{name}超过 {limit} 字，已截为“{r.text}”。")
        elif r.changed:
            notes.append(f"{name}中的链接、号码或标记已去掉，现为“{r.text}”。")
    issuer_s, region_s = cleaned["发文单位"], cleaned["地区"]
    if channel == "sms" and issuer_s and len(issuer_s) > 12:  # the SMS template signs only short issuers
        notes.append(f"短信只署 12 字以内的发文单位，“{issuer_s}”过长，短信中未署名。")
    if seed is None:
        seed = default_seed(date, "+".join(c.id for c in cats) + "|" + channel)
    # Try seeded phrasings until one fits the channel's length limits; deterministic.
    text = ""
    for attempt in range(40):
        rng = random.Random(seed * 1009 + attempt)
        n_points = rng.choice((3, 4, 5)) if channel != "sms" else 3
        ctx = _context(
            cats, rng=rng, issuer=issuer_s, region=region_s, date=date, n_points=n_points,
            trend=_clean_trend(trend) if _channels()[channel].trend else "",
        )
        text = _render(channel, ctx, template_dir)
        if _fits(channel, text):
            break
    else:
        raise InputError(f"无法在{channel}渠道的长度限制内生成预警（发文单位或地区名称过长？）。")
    return RenderedWarning(channel, text, tuple(c.name for c in cats), seed, tuple(notes))


def _clean_trend(trend: str | None) -> str:
    """A trend sentence keeps the no-digit rule: digits would read as a number to call."""
    if not trend:
        return ""
    t = re.sub(r"[0-9０-９]", "", trend).strip().rstrip("。")
    return t[:60]


def rank_summary(summary: Mapping[str, Any], *, top: int = 4) -> list[Category]:
    """Fraud types from a ``fraudwarn batch --summary`` file, most frequent first.

    Counts 诈骗信息 and 案情描述 (case narratives), never 防范提示 nor 正常.
    """
    by = summary.get("by_category_role")
    if not isinstance(by, Mapping):
        raise InputError("汇总文件缺少 by_category_role 字段：请使用 fraudwarn batch --summary 生成的文件。")
    scores: list[tuple[int, int, Category]] = []
    for name, roles in by.items():
        cat = get_category(name)
        if cat.id == NORMAL_ID or not isinstance(roles, Mapping):
            continue
        n = int(roles.get("诈骗信息", 0)) + int(roles.get("案情描述", 0))
        if n > 0:
            scores.append((-n, cat.index, cat))
    return [c for _, _, c in sorted(scores)][:top]
