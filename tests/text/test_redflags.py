"""Every red flag and legitimacy signal matches its positive examples and none of its negatives."""

import pytest

from fraudwarn.text.normalize import normalize_pair
from fraudwarn.text.redflags import LEGIT, RED, FlagMatcher, flag_entries, matcher

ENTRIES = flag_entries()


def _ids(text: str) -> list[str]:
    return matcher().ids(normalize_pair(text)[0])


def test_the_table_has_enough_flags_and_signals():
    kinds = [e["kind"] for e in ENTRIES]
    assert kinds.count(RED) >= 30 and kinds.count(LEGIT) >= 10
    assert len({e["id"] for e in ENTRIES}) == len(ENTRIES)
    for e in ENTRIES:
        assert e["keywords"] or e["regex"], e["id"]
        assert e["pos"] and e["neg"], e["id"]


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["id"] for e in ENTRIES])
def test_each_entry_matches_its_examples(entry):
    for text in entry["pos"]:
        assert entry["id"] in _ids(text), text
    for text in entry["neg"]:
        assert entry["id"] not in _ids(text), text


def test_spans_point_at_the_matched_words():
    plain = normalize_pair("客服说：请下载腾讯会议，开启屏幕共享")[0]
    hit = next(h for h in matcher().match(plain) if h.flag.id == "screen_share")
    assert any(plain[s:e] in ("腾讯会议", "屏幕共享", "下载腾讯会议") for s, e in hit.spans)


def test_overlapping_keywords_of_different_entries_are_all_found():
    m = FlagMatcher([
        {"id": "a", "name": "A", "kind": RED, "keywords": ["安全账户"]},
        {"id": "b", "name": "B", "kind": RED, "keywords": ["账户"]},
    ])
    assert m.ids("转到安全账户") == ["a", "b"]
