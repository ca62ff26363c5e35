"""One SparkSession in local mode (local[2]) for all Spark tests, and the shared 2,000-text input.

Spark needs Java: without it these tests fail with a message saying so (they are never skipped).
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil

import pytest

from tests.conftest import ROOT

#: Rows that must get a status instead of failing the job (and the same status as in batch).
TWO_MB = "ab刷" * (2 * 1024 * 1024 // 5 + 1)  # 2 MB of UTF-8, 1.26 million characters: over the limit
BAD_TEXTS = [None, "", "   ", None, TWO_MB, "hello world 12345", "\u200b\u200b", None]


@pytest.fixture(scope="session")
def spark():
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.fail(
            "tests/spark need Java (17 or 11) for Spark local mode: install it "
            "(e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME.",
            pytrace=False,
        )
    from fraudwarn.spark import session

    s = session("local[2]", app_name="fraudwarn-tests",
                conf={"spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false",
                      "spark.default.parallelism": "4"})
    yield s
    s.stop()


def varied_texts(n: int = 2000, seed: int = 13) -> list[str | None]:
    """Texts of the cross-writer set, then variants of them (other numbers, cut, signed, repeated), then
    the bad rows: ``n`` in all, in a fixed order."""
    rng = random.Random(seed)
    base = [json.loads(line)["text"] for line in (ROOT / "data/eval/crosswriter_v2.jsonl").read_text("utf-8").splitlines()]
    out: list[str | None] = list(base)
    variants = [
        lambda t: re.sub(r"\d", lambda _: str(rng.randint(0, 9)), t),
        lambda t: t[: max(1, len(t) // 2)],
        lambda t: "【" + rng.choice(["中国银行", "顺丰速运", "12381"]) + "】" + t,
        lambda t: t.replace("，", " ").upper(),
        lambda t: t,  # exact repeat (bulk messages)
    ]
    while len(out) < n - len(BAD_TEXTS):
        out.append(rng.choice(variants)(rng.choice(base)))
    out.extend(BAD_TEXTS)
    return out


@pytest.fixture(scope="session")
def parity_input(tmp_path_factory):
    """2,000 rows as Parquet (id, sender, time, text), in several row groups."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = varied_texts()
    d = tmp_path_factory.mktemp("parity")
    path = d / "in.parquet"
    table = pa.table({
        "id": pa.array([f"m{i:05d}" for i in range(len(texts))]),
        "sender": pa.array([f"1069{i % 7}" for i in range(len(texts))]),
        "ts": pa.array([f"2026-11-{1 + i % 28:02d}" for i in range(len(texts))]),
        "text": pa.array(texts, pa.string()),
    })
    pq.write_table(table, path, row_group_size=300)
    return path


@pytest.fixture(scope="session")
def batch_rows(parity_input, tmp_path_factory):
    """``fraudwarn batch`` on the parity input (the command line, two processes) and its summary."""
    from tests.conftest import invoke

    d = tmp_path_factory.mktemp("batch")
    out, summary = d / "b.jsonl", d / "s.json"
    p = invoke("batch", str(parity_input), "-o", str(out), "--id-column", "id", "-j", "2", "-q",
               "--summary", str(summary))
    assert p.returncode == 0, p.stderr.decode()
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    return rows, json.loads(summary.read_text("utf-8"))
