import json

from fraudwarn.training.audit import apply_review, find_issues
from fraudwarn.training.corpus import load_corpus, write_corpus


def test_a_deliberately_wrong_label_is_flagged_and_the_review_is_applied(tmp_path, mini_records):
    from dataclasses import replace

    # a copy of a loan scam, filed as 正常, among correctly labelled copies: no fold can learn the error
    wrong = replace(mini_records[0], text=mini_records[0].text + "，速办", label="正常", role="", sub="other")
    records = [wrong, *(mini_records * 3)]
    records = [replace(r, id=f"{r.category_id}-{i:05d}", group=f"g{i}") for i, r in enumerate(records)]
    issues = find_issues(records, folds=3)
    assert any(x["text"] == wrong.text and x["label"] == "正常" for x in issues)

    d = tmp_path / "corpus"
    write_corpus(records, d)
    review = tmp_path / "review.jsonl"
    review.write_text(json.dumps({"text": wrong.text, "decision": "relabel", "label": "网络贷款", "role": "诈骗信息",
                                  "reason": "放款前收解冻费：网络贷款的信号"}, ensure_ascii=False) + "\n", "utf-8")
    counts = apply_review(review, d)
    assert counts["relabel"] == 1
    after = [r for r in load_corpus(d) if r.text == wrong.text]
    assert any(r.label == "网络贷款" and r.role == "诈骗信息" for r in after)
