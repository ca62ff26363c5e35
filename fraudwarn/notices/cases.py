"""以案说法: a public notice that tells one local case, anonymised, as a lesson.

The case text (a 案情描述: a police record, a victim's account) is anonymised by
``fraudwarn.text.anonymize``, cut to a readable length at a sentence end, and framed by
the type's tells and prevention points from the warnings knowledge base. The notice is
meant to read, to fraudwarn itself, as a 防范提示 of the case's type (tested).
"""

from __future__ import annotations

import datetime as _dt
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fraudwarn.categories import NORMAL_ID, Category, get_category
from fraudwarn.errors import InputError
from fraudwarn.notices.channels import channels
from fraudwarn.notices.render import (
    CN_NUMERALS,
    DEFAULT_ISSUER,
    ISSUER_MAX,
    REGION_MAX,
    _date_text,
    default_seed,
    knowledge,
    sanitize_issuer,
)
from fraudwarn.notices.templating import render_package_template
from fraudwarn.text.anonymize import anonymize

STORY_MAX = 260  # characters of the retold case
CASE_MIN = 20

_ANALYSES = (
    "骗子往往{hook}为饵，一步步让人放下戒心：",
    "此类骗局常以{hook}开头，套路如下：",
    "回看整个过程，骗子利用的是{hook}，手法可归纳为：",
)
_OPENERS = (
    "近日，{region}发生一起{name}案件，一名群众被骗{loss}。现将案情通报如下，提醒广大群众引以为戒。",
    "{region}近期接报一起{name}案件，当事人{loss}的积蓄被骗走。警方以案说法，提醒大家提高警惕。",
    "一起发生在{region}的{name}案件，再次给我们敲响警钟。",
)


def case_channels() -> dict[str, str]:
    """Channels that can tell a case, with their 以案说法 template."""
    return {c.id: c.case_template for c in channels().values() if c.case_template}


@dataclass(frozen=True)
class CaseNotice:
    channel: str
    text: str
    category: str
    story: str  # the anonymised case as told in the notice
    removed: dict[str, int]  # what anonymisation took out, by kind
    seed: int


def _cut(story: str, limit: int = STORY_MAX) -> str:
    """At most ``limit`` characters, ending at a sentence end when one is near."""
    s = re.sub(r"\s+", "", story).strip("，,；;：:")
    if len(s) <= limit:
        return s if s.endswith(("。", "！", "？")) else s + "。"
    head = s[:limit]
    end = max(head.rfind(p) for p in "。！？；")
    if end >= limit // 2:
        return head[: end + 1].rstrip("；") + ("" if head[end] in "。！？" else "。")
    comma = head.rfind("，")
    return (head[:comma] if comma >= limit // 2 else head) + "……"


def _loss(story: str) -> str:
    """The total the victim lost: the amount after 共计/合计/损失 when the case says one, else the last."""
    amount = r"([一两二三四五六七八九十百千万亿数]+余?元)"
    total = re.search(r"(?:共计|合计|共|损失|被骗)[^，。；]{0,4}?" + amount, story)
    if total:
        return total.group(1)
    found = re.findall(amount, story)
    return found[-1] if found else "钱款"


def case_notice(
    case_text: str,
    *,
    category: str | Category | None = None,
    channel: str = "notice",
    issuer: str | None = None,
    region: str | None = None,
    date: _dt.date | None = None,
    seed: int | None = None,
    model: Any = None,
    template_dir: str | Path | None = None,
) -> CaseNotice:
    """Turn one case narrative into a 以案说法 notice; the type is read by the model unless given."""
    supported = case_channels()
    if channel not in supported:
        raise InputError(f"以案说法只支持渠道：{'、'.join(supported)}（短信太短，讲不完一个案例）。")
    text = case_text.strip()
    if len(text) < CASE_MIN:
        raise InputError(f"案情太短（{len(text)} 字），至少需要 {CASE_MIN} 字才能讲清一个案例。")
    if category is None:
        from fraudwarn.predict import classify

        result = classify(text, model=model, explain=False)
        if result.category_id == NORMAL_ID:
            raise InputError("未能从案情中识别出诈骗类型；请用 --type 指定（如 --type 虚假购物）。")
        cat = get_category(result.category_id)
    else:
        cat = category if isinstance(category, Category) else get_category(category)
        if cat.id == NORMAL_ID:
            raise InputError("“正常”不是诈骗类型，无法生成以案说法。")
    anon = anonymize(text)
    story = _cut(re.sub(r"^(?:近日|日前|近期)[，,]?", "", anon.text.strip()))
    date = date or _dt.date.today()
    if seed is None:
        seed = default_seed(date, cat.id + "|case|" + channel)
    rng = random.Random(seed)
    kb, common = knowledge()["types"][cat.id], knowledge()["common"]
    issuer_s = sanitize_issuer(issuer, ISSUER_MAX).text or DEFAULT_ISSUER
    region_s = sanitize_issuer(region, REGION_MAX).text or "我辖区"
    title = rng.choice(common["titles"])
    ctx = {
        "title": title,
        "title_sep": "" if title.endswith("！") else "：",
        "name": cat.short,
        "opener": rng.choice(_OPENERS).format(region=region_s, name=cat.short, loss=_loss(story)),
        "story": story,
        "analysis": rng.choice(_ANALYSES).format(hook=rng.choice(kb["hook"])),
        "steps": kb["steps"],
        "point_intro": rng.choice(common["point_intros"]),
        "points": rng.sample(kb["points"], k=min(4, len(kb["points"]))),
        "fanshi": rng.choice(kb["fanshi"]),
        "closing": rng.choice(common["closings"]),
        "share": rng.choice(common["share_lines"]),
        "numerals": CN_NUMERALS,
        "issuer": issuer_s,
        "date": _date_text(date),
    }
    body = render_package_template(supported[channel], ctx, template_dir=template_dir).strip() + "\n"
    return CaseNotice(channel, body, cat.name, story, dict(anon.removed), seed)
