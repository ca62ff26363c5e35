"""涉诈线索: the URLs, numbers and accounts behind many fraud messages, ranked.

Anti-fraud platforms cut chains, not messages: one domain or one WeChat id behind three
hundred messages is one lead. So the indicators of fraud rows are normalised (so that
``+86 138-0013-8000`` and ``13800138000``, ``VX: Abc_1`` and ``abc_1``, or two URLs on the
same registered domain are one value) and grouped; known legitimate domains and service
short codes (``data/legit_senders.json``) are never leads.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from fraudwarn.analysis.periods import parse_time
from fraudwarn.errors import InputError

#: Indicator kinds that are leads (money amounts and identity numbers are not: they name victims).
LEAD_KINDS = ("url", "phone", "wechat", "qq", "bank_card", "email", "app")
KIND_NAMES = {
    "url": "网址域名",
    "phone": "电话",
    "wechat": "微信",
    "qq": "QQ",
    "bank_card": "银行卡",
    "email": "邮箱",
    "app": "应用/平台",
}
MAX_EXAMPLES = 5
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Lead:
    kind: str
    value: str
    count: int = 0  # fraud messages naming it
    senders: set[str] = field(default_factory=set)
    types: Counter[str] = field(default_factory=Counter)
    first_seen: str | None = None
    last_seen: str | None = None
    examples: list[str] = field(default_factory=list)  # row ids
    example_text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "count": self.count,
            "senders": len(self.senders),
            "types": dict(self.types.most_common()),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "examples": list(self.examples),
        }


@cache
def _legit() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    data = json.loads(resources.files("fraudwarn").joinpath("data/legit_senders.json").read_text("utf-8"))
    platforms = frozenset(p.casefold() for p in data.get("platforms", ()))
    return frozenset(data["domains"]), frozenset(data["short_codes"]), platforms


@cache
def _psl() -> Any:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def registered_domain(url: str) -> str | None:
    """``https://m.jd-kefu.cc/r/8812`` → ``jd-kefu.cc``; an IP address stays as it is."""
    u = unicodedata.normalize("NFKC", url).strip().lower()
    host = _SCHEME.sub("", u).split("/")[0].split("?")[0].split("#")[0]
    host = host.rsplit("@", 1)[-1].split(":")[0].strip(".")
    if not host or "." not in host:
        return None
    if _IPV4.match(host):
        return host
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return _psl().privatesuffix(host) or host


def _is_legit_domain(domain: str) -> bool:
    domains = _legit()[0]
    return any(domain == d or domain.endswith("." + d) for d in domains)


def lead_value(kind: str, value: str) -> str | None:
    """The value an analyst groups by, or None when it is not a lead (legitimate, malformed)."""
    v = unicodedata.normalize("NFKC", value).strip()
    if kind == "url":
        d = registered_domain(v)
        return None if d is None or _is_legit_domain(d) else d
    if kind == "email":
        v = v.lower()
        domain = v.rsplit("@", 1)[-1]
        return None if "@" not in v or _is_legit_domain(registered_domain(domain) or domain) else v
    if kind == "phone":
        digits = re.sub(r"\D", "", v)
        for prefix in ("0086", "86"):
            if digits.startswith(prefix) and len(digits) - len(prefix) == 11 and digits[len(prefix)] == "1":
                digits = digits[len(prefix):]
        if len(digits) < 5:
            return None
        return None if digits in _legit()[1] else digits
    if kind == "qq":
        digits = re.sub(r"\D", "", v)
        return digits if 5 <= len(digits) <= 11 else None
    if kind == "bank_card":
        digits = re.sub(r"\D", "", v)
        return digits if 12 <= len(digits) <= 19 else None
    if kind == "wechat":
        v = re.sub(r"\s+", "", v).lower()
        return v or None
    if kind == "app":
        return None if v.casefold() in _legit()[2] else (v.casefold() if v.isascii() else v)
    return None


# -- reading scored rows ---------------------------------------------------------------------
_SCORED = {"category", "is_fraud", "indicators"}


_PARQUET = (".parquet", ".pq")


def _read_parquet(p: Path) -> Iterator[dict[str, Any]]:
    from fraudwarn.sources import ParquetInput

    table = ParquetInput(str(p))  # a file, or Spark's folder of part files, as batch reads them
    _check_scored(table.columns, p)
    for batch in table.batches(table.columns, size=10_000):
        yield from (dict(zip(table.columns, values)) for values in zip(*batch.values()))


def read_scored(path: str | Path) -> Iterator[dict[str, Any]]:
    """Rows of a ``fraudwarn batch`` or ``fraudwarn spark`` output (JSONL, CSV/TSV with its header, Parquet)."""
    p = Path(path)
    name = p.name.lower()
    if name.endswith(_PARQUET) or p.is_dir():
        yield from _read_parquet(p)
        return
    try:
        fh = open(p, encoding="utf-8-sig", newline="")  # noqa: SIM115 (closed by the with below)
    except OSError as e:
        raise InputError(f"无法读取 {path}：{e.strerror or e}。") from e
    with fh:
        if name.endswith(".jsonl") or name.endswith(".json"):
            first = True
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as e:
                    raise InputError(f"{path} 第 {n} 行不是合法的 JSON：{e.msg}。") from e
                if first:
                    _check_scored(row.keys() if isinstance(row, dict) else (), path)
                    first = False
                yield row
        else:
            reader = csv.DictReader(fh, delimiter="\t" if name.endswith(".tsv") else ",")
            _check_scored(reader.fieldnames or (), path)
            for row in reader:
                yield _from_csv(row)


def is_scored(path: str | Path) -> bool:
    """Whether ``path`` looks like batch output (has the score columns)."""
    try:
        next(read_scored(path), None)
    except InputError:
        return False
    return True


def _check_scored(keys: Iterable[str], path: str | Path) -> None:
    missing = _SCORED - set(keys)
    if missing:
        raise InputError(
            f"{path} 不是 fraudwarn batch 的输出（缺少字段：{'、'.join(sorted(missing))}）；"
            "请先运行 fraudwarn batch，或直接把原始导出文件交给 fraudwarn leads。"
        )


def _from_csv(row: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(row)
    out["is_fraud"] = row.get("is_fraud") == "true"
    items = []
    for part in (row.get("indicators") or "").split("; "):
        kind, sep, value = part.partition(":")
        if sep and (kind in KIND_NAMES or kind in ("money", "id_number")):
            items.append({"kind": kind, "value": value})
    out["indicators"] = items
    for key in ("sender", "time", "text"):
        if out.get(key) == "":
            out[key] = None
    return out


# -- grouping -------------------------------------------------------------------------------
def collect_leads(
    rows: Iterable[Mapping[str, Any]],
    *,
    kinds: Iterable[str] = LEAD_KINDS,
    min_count: int = 1,
    include_medium: bool = False,
) -> list[Lead]:
    """Leads from scored rows, most messages first.

    A row counts when it is a fraud attempt (``is_fraud``), or with ``include_medium`` also
    when its risk is 中 and its role 诈骗信息. Each lead is counted once per message.
    """
    wanted = set(kinds)
    unknown = wanted - set(LEAD_KINDS)
    if unknown:
        raise InputError(f"不支持的线索类型：{'、'.join(sorted(unknown))}；可用：{'、'.join(LEAD_KINDS)}。")
    leads: dict[tuple[str, str], Lead] = {}
    for row in rows:
        if not _counts(row, include_medium):
            continue
        seen: set[tuple[str, str]] = set()
        when = parse_time(row.get("time"))
        stamp = when.isoformat(sep=" ") if when else None
        for ind in row.get("indicators") or ():
            kind = ind.get("kind")
            if kind not in wanted:
                continue
            value = lead_value(kind, str(ind.get("value", "")))
            if value is None or (kind, value) in seen:
                continue
            seen.add((kind, value))
            lead = leads.setdefault((kind, value), Lead(kind, value))
            lead.count += 1
            if row.get("sender"):
                lead.senders.add(str(row["sender"]))
            if row.get("category"):
                lead.types[str(row["category"])] += 1
            if stamp:
                lead.first_seen = min(lead.first_seen or stamp, stamp)
                lead.last_seen = max(lead.last_seen or stamp, stamp)
            if len(lead.examples) < MAX_EXAMPLES:
                lead.examples.append(str(row.get("id", "")))
            if lead.example_text is None and row.get("text"):
                lead.example_text = str(row["text"])
    ranked = [lead for lead in leads.values() if lead.count >= min_count]
    ranked.sort(key=lambda x: (-x.count, -len(x.senders), LEAD_KINDS.index(x.kind), x.value))
    return ranked


def _counts(row: Mapping[str, Any], include_medium: bool) -> bool:
    if row.get("is_fraud") is True:
        return True
    return include_medium and row.get("risk") == "中" and row.get("role") == "诈骗信息"


# -- writing --------------------------------------------------------------------------------
def _cell(value: str) -> str:
    """Excel and WPS must not run a cell as a formula; digits-only values stay as written."""
    if value.startswith(_CSV_FORMULA) and not re.fullmatch(r"[+-]?[\d\s().-]+", value):
        return "'" + value
    return value


def leads_csv(leads: list[Lead]) -> str:
    """An analyst CSV (UTF-8 with BOM, so Excel and WPS show the Chinese)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["类型", "线索", "消息数", "发送方数", "涉及诈骗类型", "首次出现", "最后出现", "示例行"])
    for lead in leads:
        types = "；".join(f"{t} {n}" for t, n in lead.types.most_common())
        # a long digit string is text, not a number: a tab prefix keeps Excel from showing 6.22E+18
        value = lead.value if not lead.value.isdigit() or len(lead.value) < 12 else "\t" + lead.value
        w.writerow([
            KIND_NAMES[lead.kind], value if value.startswith("\t") else _cell(value), lead.count, len(lead.senders),
            _cell(types), lead.first_seen or "", lead.last_seen or "", _cell(" ".join(lead.examples)),
        ])
    return "\ufeff" + buf.getvalue()


def leads_json(leads: list[Lead]) -> str:
    return json.dumps([lead.to_dict() for lead in leads], ensure_ascii=False, indent=2) + "\n"


def leads_12321(leads: list[Lead]) -> str:
    """The operator report format, one ``号码*内容`` line per phone lead (12321 举报格式)."""
    lines = []
    for lead in leads:
        if lead.kind != "phone":
            continue
        if lead.example_text:
            content = re.sub(r"[\s*]+", " ", lead.example_text).strip()[:300]
        else:
            types = "、".join(t for t, _ in lead.types.most_common())
            content = f"涉嫌{types}诈骗信息，共{lead.count}条"
        lines.append(f"{lead.value}*{content}")
    return "\n".join(lines) + ("\n" if lines else "")
