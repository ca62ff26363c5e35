"""Deployment rules beside the model: allow-lists, deny-lists and keyword or regex rules.

A rules file (YAML or JSON) is written by the team that runs fraudwarn::

    allow:                       # known legitimate senders and domains: never flagged
      senders: ["95588", "10086"]
      domains: ["icbc.com.cn"]
    deny:                        # known fraud infrastructure: always flagged
      domains: ["jd-kefu.cc"]
      numbers: ["17100001111"]
      accounts: ["6222020000000000"]
    rules:
      - id: refund-meeting
        pattern: "退款.{0,10}(会议|共享屏幕)"
        regex: true
        action: fraud            # fraud | normal | review
        reason: 本地案件高发话术

Order: deny, then rules (in file order), then allow; the first that matches decides and is
named in the output. A deny or a ``fraud`` rule makes the text a fraud attempt of the model's
top fraud type with risk 高; ``normal`` and the allow-list make it 正常 with risk 低; ``review``
only asks for a human look. The model's probabilities are kept as they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraudwarn.errors import InputError

ACTIONS = ("fraud", "normal", "review")


@dataclass(frozen=True)
class RuleHit:
    """Which rule decided, what it does, and why (shown to the user)."""

    id: str
    action: str
    reason: str


@dataclass
class RuleSet:
    allow_senders: set[str] = field(default_factory=set)
    allow_domains: set[str] = field(default_factory=set)
    deny_domains: set[str] = field(default_factory=set)
    deny_numbers: set[str] = field(default_factory=set)
    deny_accounts: set[str] = field(default_factory=set)
    rules: list[tuple[str, re.Pattern[str], str, str]] = field(default_factory=list)

    def match(self, text: str, indicators: Sequence[Any] = (), sender: str | None = None) -> RuleHit | None:
        """The first rule that applies to this text (with its extracted indicators and sender)."""
        domains = {_domain(i.value) for i in indicators if i.kind == "url"}
        numbers = {_digits(i.value) for i in indicators if i.kind in ("phone", "qq")}
        accounts = {_digits(i.value) for i in indicators if i.kind == "bank_card"}
        for d in domains:
            if _in_domains(d, self.deny_domains):
                return RuleHit(f"deny:domain:{d}", "fraud", f"域名 {d} 在本地拒绝名单中")
        for n in numbers & self.deny_numbers:
            return RuleHit(f"deny:number:{n}", "fraud", f"号码 {n} 在本地拒绝名单中")
        for a in accounts & self.deny_accounts:
            return RuleHit(f"deny:account:{a}", "fraud", f"账户 {a} 在本地拒绝名单中")
        folded = unicodedata.normalize("NFKC", text).lower()
        for rid, rx, action, reason in self.rules:
            if rx.search(folded):
                return RuleHit(rid, action, reason)
        if sender and (sender.strip().lower() in self.allow_senders or _digits(sender) in self.allow_senders):
            return RuleHit(f"allow:sender:{sender}", "normal", f"发送方 {sender} 在本地允许名单中")
        if domains and all(_in_domains(d, self.allow_domains) for d in domains):
            return RuleHit(f"allow:domain:{sorted(domains)[0]}", "normal", "消息中的链接都属于本地允许名单中的域名")
        return None


def _digits(value: str) -> str:
    d = re.sub(r"\D", "", unicodedata.normalize("NFKC", value))
    return d[2:] if d.startswith("86") and len(d) == 13 else d


def _domain(url: str) -> str:
    u = unicodedata.normalize("NFKC", url).lower()
    u = re.sub(r"^[a-z]+://", "", u)
    return u.split("/")[0].split(":")[0].removeprefix("www.")


def _in_domains(domain: str, listed: set[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in listed)


def load_rules(path: str | Path) -> RuleSet:
    """Parse and check a rules file; errors name the file and the line."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise InputError(f"找不到规则文件 {p}。")
    try:
        text = p.read_text("utf-8-sig")
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except UnicodeDecodeError as e:
        raise InputError(f"规则文件 {p} 不是 UTF-8 编码，请转换后再用。") from e
    except yaml.MarkedYAMLError as e:
        line = (e.problem_mark.line + 1) if e.problem_mark else "?"
        raise InputError(f"规则文件 {p} 第 {line} 行格式有误：{e.problem}。") from e
    if data is None:
        return RuleSet()
    if not isinstance(data, dict):
        raise InputError(f"规则文件 {p} 第 1 行：顶层必须是 allow / deny / rules 三个键的映射。")
    lines = _key_lines(node)
    unknown = set(data) - {"allow", "deny", "rules"}
    if unknown:
        k = sorted(unknown)[0]
        raise InputError(f"规则文件 {p} 第 {lines.get(k, '?')} 行：不认识的键“{k}”（可用 allow、deny、rules）。")
    rs = RuleSet()

    def strings(section: str, key: str) -> set[str]:
        value = (data.get(section) or {}).get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise InputError(f"规则文件 {p} 第 {lines.get(section, '?')} 行：{section}.{key} 必须是字符串列表。")
        return {str(v).strip().lower() for v in value}

    for section, keys in (("allow", ("senders", "domains")), ("deny", ("domains", "numbers", "accounts"))):
        sec = data.get(section) or {}
        if not isinstance(sec, dict) or set(sec) - set(keys):
            raise InputError(
                f"规则文件 {p} 第 {lines.get(section, '?')} 行：{section} 只能包含 {'、'.join(keys)}。"
            )
    rs.allow_senders = strings("allow", "senders")
    rs.allow_domains = {_domain(d) for d in strings("allow", "domains")}
    rs.deny_domains = {_domain(d) for d in strings("deny", "domains")}
    rs.deny_numbers = {_digits(n) for n in strings("deny", "numbers")}
    rs.deny_accounts = {_digits(a) for a in strings("deny", "accounts")}
    rules = data.get("rules") or []
    if not isinstance(rules, list):
        raise InputError(f"规则文件 {p} 第 {lines.get('rules', '?')} 行：rules 必须是列表。")
    rule_lines = _item_lines(node, "rules")
    for k, r in enumerate(rules):
        where = f"规则文件 {p} 第 {rule_lines[k] if k < len(rule_lines) else '?'} 行"
        if not isinstance(r, dict):
            raise InputError(f"{where}：每条规则必须是映射（id、pattern、action、reason）。")
        missing = [f for f in ("pattern", "action", "reason") if not str(r.get(f, "")).strip()]
        if missing:
            raise InputError(f"{where}：规则缺少 {'、'.join(missing)}。")
        action = str(r["action"])
        if action not in ACTIONS:
            raise InputError(f"{where}：action 必须是 {'、'.join(ACTIONS)} 之一，收到“{action}”。")
        pattern = str(r["pattern"])
        try:
            rx = re.compile(pattern.lower() if r.get("regex") else re.escape(unicodedata.normalize("NFKC", pattern).lower()))
        except re.error as e:
            raise InputError(f"{where}：正则表达式有误（{e}）。") from e
        rs.rules.append((str(r.get("id") or f"rule-{k + 1}"), rx, action, str(r["reason"])))
    return rs


def _key_lines(node: Any) -> dict[str, int]:
    if node is None or not hasattr(node, "value") or not isinstance(node.value, list):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value if hasattr(k, "value")}


def _item_lines(node: Any, key: str) -> list[int]:
    if node is None or not isinstance(getattr(node, "value", None), list):
        return []
    for k, v in node.value:
        if getattr(k, "value", None) == key and isinstance(getattr(v, "value", None), list):
            return [item.start_mark.line + 1 for item in v.value]
    return []


def apply_rules(model: Any, v: Any, hits: Sequence[RuleHit | None]) -> None:
    """Override the verdicts in ``v`` (a :class:`~fraudwarn.model.classifier.Scores`) where a rule hit.

    The invariants of the verdict still hold: a fraud override is the model's top fraud type,
    role 诈骗信息, risk 高; a normal override is 正常, no role, risk 低.
    """
    import numpy as np

    from fraudwarn.categories import NORMAL_ID

    normal = model.category_ids.index(NORMAL_ID)
    attempt = model.role_ids.index("attempt")
    fraud_cols = np.array([j for j in range(v.category.shape[1]) if j != normal])
    for i, hit in enumerate(hits):
        if hit is None:
            continue
        if hit.action == "fraud":
            v.is_fraud[i] = True
            v.category_index[i] = int(fraud_cols[np.argmax(v.category[i, fraud_cols])])
            v.role_index[i] = attempt
            v.risk[i] = "高"
        elif hit.action == "normal":
            v.is_fraud[i] = False
            v.category_index[i] = normal
            v.role_index[i] = -1
            v.risk[i] = "低"
        v.review[i] = hit.action == "review"
