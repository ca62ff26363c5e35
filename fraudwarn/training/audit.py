"""Label audit: records whose label disagrees with out-of-fold predictions (cleanlab).

cleanlab's ``find_label_issues`` ranks records by how unlikely their given label is under
probabilities from models that never saw them (confident learning). The flagged list is a
review queue, not a verdict: a reviewer keeps or fixes each record with a reason
(``data/audit/review.jsonl``), and :func:`apply_review` writes the fixes into the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from fraudwarn.categories import NORMAL_ID, get_category, get_role
from fraudwarn.errors import DataError
from fraudwarn.model.classifier import softmax
from fraudwarn.training.corpus import Record, load_corpus, write_corpus
from fraudwarn.training.fit import DEFAULT_C, build_training_set, fit_temperature, group_folds, out_of_fold


def _joint_labels(records: Sequence[Record]) -> list[str]:
    # one label per (type, role): a warning filed as an attempt is a label issue too
    return [r.category_id if r.category_id == NORMAL_ID else f"{r.category_id}/{r.role_id}" for r in records]


def find_issues(records: Sequence[Record], *, folds: int = 5, c: float = DEFAULT_C) -> list[dict[str, Any]]:
    """Flagged records, most suspicious first, with the label the models suggest."""
    from cleanlab.filter import find_label_issues

    ts = build_training_set([r.text for r in records], [r.category_id for r in records],
                            [r.role_id for r in records])
    split = group_folds([r.group for r in records], ts.y_cat, k=folds)
    oof = out_of_fold(ts, split, c=c)
    t_cat = fit_temperature(oof.category_scores, np.array([oof.category_ids.index(k) for k in ts.y_cat]))
    p_cat = softmax(oof.category_scores / t_cat)
    p_role = softmax(oof.role_scores)
    # joint (type, role) probabilities: P(normal), P(type) * P(role | about fraud)
    joint_ids, cols = [], []
    for j, cid in enumerate(oof.category_ids):
        if cid == NORMAL_ID:
            joint_ids.append(cid)
            cols.append(p_cat[:, j])
        else:
            for k, rid in enumerate(oof.role_ids):
                joint_ids.append(f"{cid}/{rid}")
                cols.append(p_cat[:, j] * p_role[:, k])
    probs = np.column_stack(cols)
    probs = probs / probs.sum(axis=1, keepdims=True)
    labels = np.array([joint_ids.index(x) for x in _joint_labels(records)])
    ranked = find_label_issues(labels, probs, return_indices_ranked_by="self_confidence")
    out = []
    for i in ranked:
        r = records[int(i)]
        s = joint_ids[int(np.argmax(probs[i]))]
        cid, _, rid = s.partition("/")
        out.append({
            "id": r.id,
            "text": r.text,
            "label": r.label,
            "role": r.role,
            "sub": r.sub,
            "writer": r.writer,
            "given_probability": round(float(probs[i, labels[i]]), 4),
            "suggested_label": get_category(cid).name,
            "suggested_role": get_role(rid).name if rid else "",
            "suggested_probability": round(float(probs[i].max()), 4),
        })
    return out


def write_issues(issues: Sequence[dict[str, Any]], path: str | Path) -> None:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in issues), encoding="utf-8")


def apply_review(review_file: str | Path, corpus_dir: str | Path | None = None) -> dict[str, int]:
    """Apply reviewed decisions: ``{"id" or "text", "decision": "keep"|"relabel"|"drop", "label", "role", "reason"}``."""
    records = load_corpus(corpus_dir)
    by_id = {r.id: r for r in records}
    by_text = {r.text: r.id for r in records}
    counts = {"keep": 0, "relabel": 0, "drop": 0}
    drop: set[str] = set()
    for n, line in enumerate(Path(review_file).read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        d = json.loads(line)
        rid, decision = d.get("id"), d.get("decision")
        if d.get("text") in by_text and (rid not in by_id or by_id[rid].text != d["text"]):
            rid = by_text[d["text"]]  # ids are assigned at import; the text is the stable key
        if rid not in by_id or decision not in counts:
            raise DataError(f"{review_file} 第 {n} 行：id 不存在或 decision 不是 keep/relabel/drop。")
        if not str(d.get("reason", "")).strip():
            raise DataError(f"{review_file} 第 {n} 行：每条复核结论都要写明理由（reason）。")
        counts[decision] += 1
        if decision == "drop":
            drop.add(rid)
        elif decision == "relabel":
            from dataclasses import replace

            cat = get_category(d["label"])
            role = "" if cat.id == NORMAL_ID else get_role(d["role"]).name
            r = by_id[rid]
            sub = r.sub if cat.id == r.category_id else str(d.get("sub", "other" if cat.id == NORMAL_ID else "general"))
            by_id[rid] = replace(r, label=cat.name, role=role, sub=sub)
    kept = [r for r in by_id.values() if r.id not in drop]
    # a relabelled record moves to its new label's file; its id keeps the old prefix (stable)
    d = Path(corpus_dir) if corpus_dir is not None else None
    from fraudwarn.training.corpus import default_corpus_dir

    target = d or default_corpus_dir()
    for f in target.glob("*.jsonl"):
        f.unlink()
    write_corpus(kept, target)
    return counts
