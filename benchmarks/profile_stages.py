"""Per-stage cost of scoring, in one process, on corpus-like messages (µs per message).

    python benchmarks/profile_stages.py [--messages 20000]

Stages are timed separately over the same texts, in the order a message goes through them:
read (TXT reader, UTF-8), normalise (both forms), red flags, segmentation, feature rows
(words + char n-grams + TF-IDF), heads + verdicts, indicators, JSON lines. Printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fraudwarn.model.artifact import load  # noqa: E402
from fraudwarn.model.classifier import Prepared  # noqa: E402
from fraudwarn.sources import Source  # noqa: E402
from fraudwarn.text.indicators import extract_indicators, unique_indicators  # noqa: E402
from fraudwarn.text.normalize import normalize_pair  # noqa: E402
from fraudwarn.text.redflags import matcher  # noqa: E402
from fraudwarn.text.tokenize import tokenize  # noqa: E402
from fraudwarn.training.corpus import load_corpus  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=20000)
    args = ap.parse_args()
    rng = random.Random(7)
    pool = [r.text.replace("\n", " ") for r in load_corpus(ROOT / "data" / "corpus")]
    # unique texts (no cache hits): corpus texts with a random number appended
    texts = [f"{rng.choice(pool)} {rng.randrange(10**6)}" for _ in range(args.messages)]
    model = load()
    matcher(), tokenize("预热")
    out: dict[str, float] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        r = fn()
        out[name] = (time.perf_counter() - t) / len(texts) * 1e6
        return r

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "in.txt"
        p.write_text("\n".join(texts) + "\n", "utf-8")

        def read() -> list[str]:
            with Source(str(p)) as src:
                return [r.text or "" for r in src]

        timed("read (TXT, UTF-8)", read)
    pairs = timed("normalise (with and without placeholders)", lambda: [normalize_pair(t) for t in texts])
    m = matcher()
    flags = timed("red flags (Aho-Corasick + regexes)", lambda: [m.match(a) for a, _ in pairs])
    timed("segmentation (rjieba, cached blocks)", lambda: [tokenize(b) for _, b in pairs])
    prep = Prepared(texts, [a for a, _ in pairs], [b for _, b in pairs], flags)
    # In chunks of batch's size: one array pass over 20,000 texts is slower per text (cache misses)
    # than the 2,000-text chunks batch workers score.
    chunk = 2000

    def rows_in_chunks():  # type: ignore[no-untyped-def]
        parts = [model.transform(Prepared(texts[i:i + chunk], prep.plain[i:i + chunk], prep.norm[i:i + chunk],
                                          flags[i:i + chunk])) for i in range(0, len(texts), chunk)]
        return parts

    timed("feature rows (words + chars + TF-IDF)", rows_in_chunks)
    X = model.transform(prep)
    timed("heads + calibration + verdicts", lambda: model.verdicts(
        prep, X, model.category_head.proba(X), model.role_head.proba(X),
        model.fraud_probability(model.category_head.proba(X), model.role_head.proba(X)),
        model.low_evidence(prep, X)))
    inds = timed("indicators (+ de-duplication)", lambda: [unique_indicators(extract_indicators(t)) for t in texts])
    timed("JSON lines", lambda: "".join(json.dumps({"text": t, "n": len(i)}, ensure_ascii=False) + "\n"
                                        for t, i in zip(texts, inds)))
    total = sum(out.values())
    print(f"{len(texts):,} unique messages, one process")
    print(f"{'stage':<44}{'µs/msg':>8}{'share':>8}")
    for k, v in out.items():
        print(f"{k:<44}{v:>8.0f}{v / total:>8.0%}")
    print(f"{'total':<44}{total:>8.0f}   ≈ {1e6 / total:,.0f} msg/s on one core")


if __name__ == "__main__":
    main()
