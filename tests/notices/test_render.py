import datetime as dt
import itertools
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudwarn.categories import fraud_categories
from fraudwarn.errors import InputError
from fraudwarn.notices.render import (
    CHANNELS,
    NOTICE_MAX,
    NOTICE_MIN,
    SMS_MAX,
    _visible_length,
    rank_summary,
    render,
    sanitize,
)
from tests.conftest import invoke

DATE = dt.date(2026, 11, 22)
SNAPSHOTS = Path(__file__).parent / "snapshots"
ALL = list(itertools.product([c.id for c in fraud_categories()], CHANNELS, [0, 1, 7]))


def _digits_ok(text: str) -> bool:
    """No digit sequence but 110, 96110 and the date's parts (12381's rule for warning SMS)."""
    allowed = {"110", "96110", str(DATE.year), str(DATE.month), str(DATE.day)}
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", text, flags=re.S))  # HTML: text only
    return all(d in allowed for d in re.findall(r"\d+", visible))


@pytest.mark.parametrize(("cat", "channel", "seed"), ALL)
def test_every_type_and_channel_renders_safely(cat, channel, seed):
    w = render([cat], channel=channel, seed=seed, date=DATE, issuer="城南派出所", region="城南街道")
    text = w.text
    assert not re.search(r"https?://|www\.|\.(com|cn|net)\b", text)
    assert _digits_ok(text), re.findall(r"\d+", text)
    if channel == "sms":
        assert len(text.strip()) <= SMS_MAX
        assert "110" in text or "96110" in text
    if channel == "notice":
        assert NOTICE_MIN <= _visible_length(text) <= NOTICE_MAX
        assert "城南派出所" in text and "2026年11月22日" in text
        assert "国家反诈中心" in text and "96110" in text and "110" in text
        numbered = re.findall(r"^[一二三四五]、", text, flags=re.M)
        assert 3 <= len(numbered) <= 5
    if channel == "html":
        assert "@page" in text and "A4" in text and "<html" in text


def test_same_inputs_same_text_and_seeds_vary_it():
    a = render(["刷单返利"], channel="notice", date=DATE)
    b = render(["刷单返利"], channel="notice", date=DATE)
    assert a.text == b.text
    texts = {render(["刷单返利"], channel="notice", date=DATE, seed=s).text for s in range(6)}
    assert len(texts) >= 3
    weeks = {
        render(["刷单返利"], channel="notice", date=DATE + dt.timedelta(days=7 * k)).text for k in range(4)
    }
    assert len(weeks) >= 2


@pytest.mark.parametrize(
    ("channel", "cat"),
    [("sms", "杀猪盘"), ("notice", "刷单返利"), ("wechat", "冒充公检法"), ("html", "虚假购物")],
)
def test_snapshots(channel, cat):
    text = render(
        [cat], channel=channel, date=DATE, seed=3, issuer="XX市公安局反诈中心", region="城南街道"
    ).text
    path = SNAPSHOTS / f"warning_{channel}.txt"
    # A missing snapshot is a failure, never written by the test itself: regenerate on purpose with
    # FRAUDWARN_UPDATE_SNAPSHOTS=1, review the diff, commit.
    if os.environ.get("FRAUDWARN_UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, "utf-8")
    assert path.exists(), f"snapshot {path.name} is missing"
    assert text == path.read_text("utf-8")


def test_issuer_and_region_are_sanitised_and_escaped():
    assert sanitize("<script>alert(1)</script>城南派出所 http://evil.cn 95588", 30) == "城南派出所"
    assert len(sanitize("很长" * 50, 30)) == 30
    w = render(["网络贷款"], channel="html", issuer="<img src=x onerror=alert(1)>派出所", date=DATE)
    assert "<img" not in w.text and "onerror" not in w.text


def test_html_autoescapes_user_text():
    w = render(["网络贷款"], channel="html", issuer="A&B派出所", date=DATE)
    assert "A&amp;B派出所" in w.text


def test_aggregate_ranks_attempts_and_reports_never_warnings_or_normal():
    summary = {
        "by_category_role": {
            "正常": {"—": 900},
            "刷单返利": {"诈骗信息": 50, "防范提示": 400},
            "杀猪盘": {"诈骗信息": 80},
            "网络贷款": {"案情描述": 60},
            "虚假购物": {"防范提示": 999},
        }
    }
    assert [c.name for c in rank_summary(summary, top=4)] == ["杀猪盘", "网络贷款", "刷单返利"]
    w = render(rank_summary(summary), channel="notice", date=DATE)
    assert "杀猪盘诈骗、贷款诈骗和刷单诈骗" in w.text
    assert NOTICE_MIN <= _visible_length(w.text) <= NOTICE_MAX
    assert _digits_ok(w.text)


def test_normal_and_unknown_types_are_refused():
    with pytest.raises(InputError):
        render(["正常"], channel="sms")
    with pytest.raises(InputError):
        render(["刷单返利"], channel="fax")


def test_cli_warn_sms_and_from_summary(tmp_path):
    p = invoke("warn", "兼职刷单", "--channel", "sms", "--date", "2026-11-22")
    assert p.returncode == 0
    assert len(p.stdout.decode().strip()) <= SMS_MAX
    s = tmp_path / "s.json"
    s.write_text('{"by_category_role": {"杀猪盘": {"诈骗信息": 3}, "正常": {"—": 10}}}', "utf-8")
    p = invoke("warn", "--from-summary", str(s), "--date", "2026-11-22")
    assert p.returncode == 0 and "杀猪盘" in p.stdout.decode()


def test_cli_warn_usage_errors():
    p = invoke("warn")
    assert p.returncode == 2
    p = invoke("warn", "中奖诈骗")
    assert p.returncode == 2 and "未知的诈骗类型" in p.stderr.decode()


@pytest.mark.parametrize("channel", ["sms", "notice", "wechat"])
def test_shipped_model_reads_every_warning_as_a_warning_about_its_type(channel):
    """A warning the filter flagged as fraud would block the police's own messages.

    Generated warnings are never added to the training corpus, so this is not circular.
    """
    import fraudwarn

    model = fraudwarn.load_model()
    failures = []
    for cat in fraud_categories():
        for seed in (0, 1, 2):
            text = render([cat.id], channel=channel, seed=seed, date=DATE, issuer="城南派出所").text
            r = fraudwarn.classify(text, model=model, explain=False)
            if r.role_id != "warning" or r.is_fraud:
                failures.append((cat.name, seed, "role", r.role))
            if r.category_id != cat.id:
                failures.append((cat.name, seed, "category", r.category))
    assert not failures, failures


ISSUERS = ["XX市公安局反诈中心", "某市公安局某某派出所", "城南街道网格站", "工商银行某支行", "某某中学", "某县公安局",
           "社区居委会", None]


def test_our_own_warnings_are_read_as_warnings_of_their_type(shipped_model):
    """Every generated sms/notice/wechat warning, whatever the issuer, is 防范提示 of the type it warns about."""
    wrong = []
    for c in fraud_categories():
        for channel in ("sms", "notice", "wechat"):
            for k, issuer in enumerate(ISSUERS):
                text = render([c.name], channel=channel, date=DATE, seed=k, issuer=issuer, region="城南街道").text
                v = shipped_model.score([text])
                cat = shipped_model.category_ids[int(v.category_index[0])]
                r = int(v.role_index[0])
                if cat != c.id or r < 0 or shipped_model.role_ids[r] != "warning" or v.is_fraud[0]:
                    wrong.append((c.name, channel, issuer, cat))
    assert wrong == []


ADVERSARIAL = ["bit.ly/abc", "evil[.]com", "ｈｔｔｐ：／／ｅｖｉｌ．ｃｏｍ", "加微信abcdef", "①③⑧①②③", "¹³⁸¹²³⁴",
               "一三八一二三四五六七八", "壹叁捌玖", "95588", "wx:lisa_8866", "QQ 12345678", "<b>", "城南", "派出所",
               "某市公安局", "www.x.cn", "t.cn/A6x", " ", "\u200b", "⑴⑵⑶", "٣٤٥", "１３８"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(ADVERSARIAL), min_size=1, max_size=5).map("".join),
       st.sampled_from(["sms", "notice", "wechat"]))
def test_no_link_and_no_number_but_110_and_96110_whatever_the_issuer(issuer, channel):
    import unicodedata

    w = render(["刷单返利"], channel=channel, date=DATE, seed=1, issuer=issuer, region=issuer)
    text = unicodedata.normalize("NFKC", w.text)
    assert _digits_ok(text)
    assert not re.search(r"https?|www\.|\.(?:com|cn|ly)\b|\[\.\]|微信[A-Za-z0-9_]|[A-Za-z]{5,}", text)
    assert not re.search(r"[零〇一二三四五六七八九壹贰叁肆伍陆柒捌玖]{3,}", text.replace("十", ""))


def test_a_cut_or_cleaned_issuer_is_reported():
    w = render(["刷单返利"], channel="sms", date=DATE, seed=1, issuer="城南街道派出所 QQ 12345678")
    assert any("已去掉" in n for n in w.notes)
    w = render(["刷单返利"], channel="notice", date=DATE, seed=1, issuer="很长" * 30)
    assert any("截为" in n for n in w.notes)


def test_a_new_channel_is_one_registry_entry(tmp_path):
    """A local format: one Channel entry plus its template (in a --template-dir)."""
    from fraudwarn.notices.channels import Channel, channels, register_channel, unregister_channel

    (tmp_path / "warning_board.txt.j2").write_text("【{{ title }}】{{ sms_line }}。{{ issuer }}\n", "utf-8")
    register_channel(Channel("board", "电子屏", "电子屏滚动字幕（≤40字）", "warning_board.txt.j2", max_chars=40))
    try:
        assert "board" in channels()
        w = render(["刷单返利"], channel="board", date=DATE, template_dir=tmp_path, issuer="城南派出所")
        assert w.text.startswith("【") and len(w.text.strip()) <= 40 and "城南派出所" in w.text
    finally:
        unregister_channel("board")
    with pytest.raises(InputError, match="不支持的渠道"):
        render(["刷单返利"], channel="board", date=DATE)
