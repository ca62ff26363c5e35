"""The label set: ten fraud types from the MPS handbook plus 正常, and the three roles.

Everything that names a category (corpus, model, warnings, CLI) goes through this
module, which reads ``data/categories.json``: ids are stable ASCII, names are the
handbook's, aliases are what other taxonomies and people call the same thing.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from fraudwarn.errors import UnknownCategoryError

NORMAL_ID = "normal"
ATTEMPT_ID = "attempt"


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    short: str
    aliases: tuple[str, ...]
    index: int

    @property
    def is_fraud_type(self) -> bool:
        return self.id != NORMAL_ID


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    aliases: tuple[str, ...]


@cache
def _load() -> tuple[tuple[Category, ...], tuple[Role, ...]]:
    raw = json.loads(resources.files("fraudwarn").joinpath("data/categories.json").read_text("utf-8"))
    cats = tuple(
        Category(c["id"], c["name"], c["short"], tuple(c["aliases"]), i)
        for i, c in enumerate(raw["categories"])
    )
    roles = tuple(Role(r["id"], r["name"], tuple(r["aliases"])) for r in raw["roles"])
    return cats, roles


def categories() -> tuple[Category, ...]:
    """All eleven categories in handbook order, 正常 last."""
    return _load()[0]


def fraud_categories() -> tuple[Category, ...]:
    """The ten fraud types, without 正常."""
    return tuple(c for c in categories() if c.is_fraud_type)


def roles() -> tuple[Role, ...]:
    return _load()[1]


def _key(s: str) -> str:
    # Lookups forgive width, case, spaces and the quotes the handbook puts round 杀猪盘 etc.
    s = unicodedata.normalize("NFKC", s).strip().lower()
    return "".join(ch for ch in s if ch not in " \"'“”‘’「」《》-_")


@cache
def _index() -> tuple[dict[str, Category], dict[str, Role]]:
    cats: dict[str, Category] = {}
    for c in categories():
        for k in (c.id, c.name, c.short, *c.aliases):
            cats.setdefault(_key(k), c)
    rls: dict[str, Role] = {}
    for r in roles():
        for k in (r.id, r.name, *r.aliases):
            rls.setdefault(_key(k), r)
    return cats, rls


def get_category(key: str) -> Category:
    """Find a category by id, Chinese name or alias; raise UnknownCategoryError otherwise."""
    found = _index()[0].get(_key(key))
    if found is None:
        names = "、".join(c.name for c in categories())
        raise UnknownCategoryError(f"未知的诈骗类型“{key}”。可用：{names}（也可用英文 id 或常见别名）")
    return found


def get_role(key: str) -> Role:
    """Find a role by id (attempt/report/warning), Chinese name or alias."""
    found = _index()[1].get(_key(key))
    if found is None:
        raise UnknownCategoryError(f"未知的信息性质“{key}”。可用：诈骗信息、案情描述、防范提示")
    return found
