import pytest

from fraudwarn.analysis.trends import change_phrase, compute_trends, trend_sentence
from fraudwarn.errors import InputError


@pytest.mark.parametrize(
    ("before", "now", "phrase"),
    [
        (100, 140, "上升四成"),
        (100, 80, "下降两成"),
        (50, 100, "翻了一番"),
        (10, 30, "增长两倍"),
        (100, 102, "基本持平"),
        (100, 108, "上升一成"),
        (0, 7, "新出现"),
        (0, 0, "均未出现"),
        (20, 0, "降为零"),
        (20, 1, "下降九成以上"),
    ],
)
def test_changes_are_said_in_chinese(before, now, phrase):
    assert change_phrase(before, now) == phrase


def _summary(weeks):
    return {"period": "week", "by_period": {k: {"rows": 100, "types": v} for k, v in weeks.items()}}


def test_latest_week_against_the_one_before_even_across_a_year():
    s = _summary({"2026-W53": {"刷单返利": 10, "杀猪盘": 20}, "2027-W01": {"刷单返利": 14, "正常": 500, "杀猪盘": 20}})
    t = compute_trends(s)
    assert (t.current, t.previous) == ("2027-W01", "2026-W53")
    assert t.types[0].category == "刷单返利"  # the largest change first; 正常 never listed
    assert all(x.category != "正常" for x in t.types)
    assert trend_sentence(t.types[0], t.unit) == "本周刷单返利类信息较上周上升四成"
    assert [x.category for x in t.rising()] == ["刷单返利"]


def test_a_gap_week_counts_as_zero():
    t = compute_trends(_summary({"2026-W40": {"虚假购物": 9}, "2026-W42": {"虚假购物": 9}}))
    assert t.previous == "2026-W41" and t.types[0].previous == 0 and t.types[0].phrase == "新出现"


def test_summary_without_times_says_what_to_do():
    with pytest.raises(InputError, match="--time-column"):
        compute_trends({"by_category_role": {}})


def test_only_real_rises_make_the_notice():
    t = compute_trends(_summary({"2026-W40": {"网络贷款": 17, "刷单返利": 28, "杀猪盘": 0},
                                 "2026-W41": {"网络贷款": 19, "刷单返利": 39, "杀猪盘": 1}}))
    assert [x.category for x in t.rising()] == ["刷单返利"]  # +12% and a single new message are not rises
