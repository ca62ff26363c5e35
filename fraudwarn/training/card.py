"""The corpus card (data/CORPUS.md), computed from the corpus so it cannot drift from it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from .categories import categories
from .corpus import CHANNELS, Record, gate_report
from .normalize import normalize


def diversity(texts: Sequence[str]) -> float:
    """Distinct character 4-grams per 1,000 characters of normalised text."""
    grams: set[str] = set()
    total = 0
    for t in texts:
        n = normalize(t)
        total += len(n)
        grams.update(n[i : i + 4] for i in range(len(n) - 3))
    return round(1000 * len(grams) / max(1, total), 1)


def card_data(records: Sequence[Record]) -> dict[str, Any]:
    labels = [c.name for c in categories()]
    table = Counter((r.label, r.channel, r.origin) for r in records)
    roles = Counter((r.label, r.role or "—") for r in records)
    lengths = np.array([len(r.text) for r in records])
    rows = []
    for lab in labels:
        subset = [r for r in records if r.label == lab]
        ls = np.array([len(r.text) for r in subset]) if subset else np.array([0])
        rows.append(
            {
                "label": lab,
                "total": len(subset),
                "handwritten": sum(r.origin == "handwritten" for r in subset),
                "augmented": sum(r.origin == "augmented" for r in subset),
                "channels": [
                    sum(table[(lab, ch, o)] for o in ("handwritten", "augmented")) for ch in CHANNELS
                ],
                "roles": [roles[(lab, ro)] for ro in ("诈骗信息", "案情描述", "防范提示")],
                "median_len": int(np.median(ls)),
                "diversity": diversity([r.text for r in subset]),
                "subs": len({r.sub for r in subset if r.sub}),
            }
        )
    gates = gate_report(records)
    bins = [0, 20, 40, 80, 150, 250, 400, 10**9]
    hist = np.histogram(lengths, bins=bins)[0].tolist()
    bin_names = ["<20", "20-39", "40-79", "80-149", "150-249", "250-399", ">=400"]
    normal_subs = Counter(r.sub for r in records if r.label == "正常" and r.sub)
    return {
        "n": len(records),
        "channels": CHANNELS,
        "rows": rows,
        "length": {
            "min": int(lengths.min()),
            "median": int(np.median(lengths)),
            "p90": int(np.percentile(lengths, 90)),
            "max": int(lengths.max()),
            "hist": list(zip(bin_names, hist)),
        },
        "diversity_all": diversity([r.text for r in records]),
        "gates": gates,
        "normal_top_subs": normal_subs.most_common(25),
        "normal_sub_count": len(normal_subs),
    }


def render_card(records: Sequence[Record]) -> str:
    from .templating import render_package_template

    return render_package_template("corpus_card.md.j2", card_data(records))
