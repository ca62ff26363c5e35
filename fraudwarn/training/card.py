"""The corpus card (``data/CORPUS.md``): counts, forms, sub-scenarios, writers, gates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cache
from statistics import median
from typing import Any

from fraudwarn.categories import NORMAL_ID, categories
from fraudwarn.training.corpus import ATTEMPT_FORMS, Record, gate_report

ROLES = ("诈骗信息", "案情描述", "防范提示")


@cache
def _env() -> Any:
    from jinja2 import PackageLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        loader=PackageLoader("fraudwarn.training", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def card_data(records: Sequence[Record]) -> dict[str, Any]:
    gates = gate_report(records)
    rows, form_rows, sub_rows = [], [], []
    attempts = [r for r in records if r.role == "诈骗信息"]
    for c in categories():
        recs = [r for r in records if r.label == c.name]
        if not recs:
            continue
        roles = Counter(r.role for r in recs)
        rows.append({
            "label": c.name,
            "total": len(recs),
            "roles": [roles[x] for x in ROLES],
            "median_len": int(median(len(r.text) for r in recs)),
            "diversity": gates["distinct_4gram_ratio"].get(c.name, 0),
        })
        if c.id != NORMAL_ID:
            forms = Counter(r.form for r in recs if r.role == "诈骗信息")
            form_rows.append({"label": c.name, "counts": [forms[f] for f in ATTEMPT_FORMS]})
            subs = Counter(r.sub for r in recs if r.role == "诈骗信息")
            sub_rows.append({"label": c.name, "subs": sorted(subs.items())})
    all_forms = Counter(r.form for r in attempts)
    lens = sorted(len(r.text) for r in records) or [0]
    normal = Counter(r.sub for r in records if r.label == "正常")
    return {
        "n": len(records),
        "rows": rows,
        "forms": ATTEMPT_FORMS,
        "form_rows": form_rows,
        "form_share": [f"{all_forms[f] / max(1, len(attempts)):.1%}" for f in ATTEMPT_FORMS],
        "normal_subs": normal.most_common(),
        "sub_rows": sub_rows,
        "writers": Counter(r.writer for r in records).most_common(),
        "length": {"min": lens[0], "median": lens[len(lens) // 2], "p90": lens[int(0.9 * (len(lens) - 1))],
                   "max": lens[-1]},
        "gates": gates,
    }


def render_card(records: Sequence[Record]) -> str:
    return str(_env().get_template("corpus_card.md.j2").render(**card_data(records)))
