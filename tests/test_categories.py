import re
from pathlib import Path

import pytest

from fraudwarn.categories import categories, fraud_categories, get_category, get_role
from fraudwarn.errors import UnknownCategoryError

SEED = Path(__file__).resolve().parent.parent / "seeds" / "003_7342b0a47cb5ad25.txt"


def handbook_types() -> list[str]:
    """The ten types as listed in the MPS press release (seeds/003)."""
    text = SEED.read_text("utf-8")
    m = re.search(r"向广大人民群众介绍了(.+?)等10种常见的电信网络诈骗类型", text)
    assert m, "the handbook sentence is missing from seeds/003"
    return [re.sub(r"[“”\"]", "", part) for part in m.group(1).split("、")]


def test_ten_types_are_the_handbooks_list_in_order():
    assert [c.name for c in fraud_categories()] == handbook_types()


def test_normal_is_last_and_ids_are_unique_ascii():
    cats = categories()
    assert cats[-1].name == "正常" and cats[-1].id == "normal"
    ids = [c.id for c in cats]
    assert len(set(ids)) == len(ids) == 11
    assert all(re.fullmatch(r"[a-z_]+", i) for i in ids)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("贷款诈骗", "网络贷款"),
        ("虚假贷款", "网络贷款"),
        ("代办信用卡", "网络贷款"),
        ("兼职刷单", "刷单返利"),
        ("冒充客服", "冒充电商物流客服"),
        ("退款理赔", "冒充电商物流客服"),
        ("冒充公检法及政府机关", "冒充公检法"),
        ("冒充“公检法”", "冒充公检法"),
        ("虚假征信", "注销校园贷"),
        ("注销账户", "注销校园贷"),
        ("注销“校园贷”", "注销校园贷"),
        ("游戏装备交易", "网络游戏虚假交易"),
        ("pig_butchering", "杀猪盘"),
        ("  FAKE_SHOPPING ", "虚假购物"),
        ("正常", "正常"),
    ],
)
def test_lookup_by_id_name_or_alias(key, expected):
    assert get_category(key).name == expected


def test_every_alias_is_unambiguous():
    seen = {}
    for c in categories():
        for a in (c.id, c.name, *c.aliases):
            assert seen.setdefault(a, c.id) == c.id, f"alias {a} names two categories"


def test_unknown_category_raises_with_chinese_hint():
    with pytest.raises(UnknownCategoryError, match="未知的诈骗类型"):
        get_category("中奖诈骗")


@pytest.mark.parametrize(
    ("key", "rid"), [("诈骗信息", "attempt"), ("report", "report"), ("警方提示", "warning")]
)
def test_roles(key, rid):
    assert get_role(key).id == rid
