"""Corpus quality gates (the corpus issue's acceptance tests) and corpus tooling."""

import json

import numpy as np
import pytest

from fraudwarn.errors import DataError
from fraudwarn.training.corpus import (
    Record,
    default_corpus_dir,
    gate_report,
    import_drafts,
    load_corpus,
    near_duplicate_pairs,
    read_jsonl,
)
from fraudwarn.training.fit import group_folds


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


@pytest.fixture(scope="module")
def gates(corpus):
    return gate_report(corpus)


def test_corpus_passes_the_structural_gates(gates):
    """No duplicates, every record tagged with a known sub-scenario and form.

    The volume minimums of the corpus issue (#10) are reported by ``fraudwarn corpus check``
    and the corpus card; they are not met yet (see the card's gate line), and this test does
    not pretend they are.
    """
    assert gates["structural_failures"] == []


def test_volume_gates_report_what_is_missing(corpus):
    small = [r for r in corpus if r.label == "正常"][:50] + [r for r in corpus if r.label == "刷单返利"][:50]
    rep = gate_report(small)
    assert any(f.startswith("刷单返利/诈骗信息") for f in rep["volume_failures"])
    assert any(f.startswith("正常:") for f in rep["volume_failures"])
    assert rep["failures"] == rep["structural_failures"] + rep["volume_failures"]


def test_no_exact_duplicates_and_few_near_duplicates(gates):
    assert gates["exact_duplicates"] == 0
    assert gates["near_duplicate_rate"] <= 0.02


def test_corpus_card_is_generated_from_the_data(corpus):
    from fraudwarn.training.card import render_card

    committed = (default_corpus_dir().parent / "CORPUS.md").read_text("utf-8")
    assert render_card(corpus) == committed, "data/CORPUS.md is stale: run fraudwarn corpus card"


def test_ids_unique_and_one_file_per_label(corpus):
    ids = [r.id for r in corpus]
    assert len(ids) == len(set(ids))
    for f in default_corpus_dir().glob("*.jsonl"):
        labels = {r.category_id for r in read_jsonl(f)}
        assert labels == {f.stem}


def test_splits_are_group_aware(corpus):
    groups = np.array([r.group for r in corpus])
    for train, test in group_folds(groups, [r.category_id for r in corpus], k=5):
        assert not set(groups[train]) & set(groups[test])


def test_group_folds_keep_variants_together():
    groups = [f"g{i // 3}" for i in range(60)]
    labels = ["a" if i % 2 else "b" for i in range(60)]
    g = np.array(groups)
    for train, test in group_folds(groups, labels, k=5):
        assert not set(g[train]) & set(g[test])


def test_near_duplicates_found_across_groups_only():
    texts = [
        "您好这里是京东客服您的快递丢失了我们将双倍赔偿",
        "您好这里是京东客服您的快递丢失了我们将双倍赔偿！",
        "今天天气很好",
    ]
    assert [(i, j) for i, j, _ in near_duplicate_pairs(texts, ["a", "b", "c"])] == [(0, 1)]
    assert near_duplicate_pairs(texts, ["a", "a", "c"]) == []


def test_import_assigns_ids_groups_and_drops_duplicates(tmp_path):
    draft = tmp_path / "d.jsonl"
    rows = [
        {"text": "先交解冻费才能放款", "label": "网络贷款", "role": "诈骗信息", "channel": "sms"},
        {
            "text": "先交解冻费 才能放款",
            "label": "网络贷款",
            "role": "诈骗信息",
            "channel": "sms",
        },  # same after normalising
        {"text": "妈我到家了", "label": "正常", "role": "", "channel": "chat", "sub": "家常"},
    ]
    draft.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    new, notes = import_drafts([draft], hard_negative_files=["d.jsonl"])
    assert [r.id for r in new] == ["online_loan-00001", "normal-00001"]
    assert all(r.group == r.id and r.origin == "handwritten" for r in new)
    assert new[1].hard_negative and not new[0].hard_negative
    assert len(notes) == 1 and "duplicate" in notes[0]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"label": "正常", "role": "诈骗信息"}, "role 必须为空"),
        ({"label": "网络贷款", "role": ""}, "必须有 role"),
        ({"channel": "email"}, "channel"),
        ({"text": "  "}, "text 为空"),
    ],
)
def test_invalid_records_are_refused(tmp_path, record, message):
    base = {
        "id": "x",
        "text": "测试",
        "label": "网络贷款",
        "role": "诈骗信息",
        "channel": "sms",
        "group": "x",
        "origin": "handwritten",
    }
    p = tmp_path / "c.jsonl"
    p.write_text(json.dumps({**base, **record}, ensure_ascii=False) + "\n", "utf-8")
    with pytest.raises(DataError, match=message):
        read_jsonl(p)


def test_record_round_trip():
    r = Record("normal-1", "你好", "正常", "", "chat", "normal-1", sub="家常", hard_negative=True)
    assert json.loads(r.to_json())["hard_negative"] is True
